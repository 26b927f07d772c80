package io.quicbond.transport.engine.kwik;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.cc.AbstractCongestionController;
import tech.kwik.core.cc.CongestionControlEventListener;
import tech.kwik.core.cc.CongestionController;
import tech.kwik.core.log.NullLogger;
import tech.kwik.core.packet.PacketInfo;
import tech.kwik.core.packet.QuicPacket;

/**
 * {@link DeliveryRateWindow} as a kwik congestion controller, and the one place that puts it into a kwik
 * connection ({@link #install}).
 *
 * <p>How it is attached: kwik 0.10.9 builds a NewReno controller inside each connection's sender and hands the
 * same object to its recovery manager and to the loss detector of each packet number space; nothing in its API
 * takes another. {@link #install} replaces that object in those five fields (by reflection, on the classes named
 * in {@link #HOLDERS}), carrying over the bytes in flight, under the old controller's lock, so the count is taken
 * between two of kwik's updates. A client's connection gets it before its first packet; a server's once kwik
 * hands it over after the handshake, when a packet kwik was registering at that moment may be counted in the old
 * one only (its acknowledgement then lowers the new count by its size; kwik floors the count at zero). The
 * accounting of bytes in flight and the wake-up of kwik's sender when the window opens stay kwik's own
 * ({@link AbstractCongestionController}); only the window is ours. If a kwik release renames any of those
 * fields, install fails with the name it missed and the connection keeps NewReno ({@link KwikEngine} logs it):
 * the bond still works, with kwik's own controller.
 */
final class DeliveryRateController extends AbstractCongestionController {
    /** Where kwik 0.10.9 keeps its connection's controller: class, then field, in the order they are replaced. */
    static final List<String> HOLDERS = List.of(
            "tech.kwik.core.send.SenderImpl.congestionController",
            "tech.kwik.core.recovery.RecoveryManager.congestionController",
            "tech.kwik.core.recovery.LossDetector.congestionController (one per packet number space)");

    private final DeliveryRateWindow window = new DeliveryRateWindow();
    private final Map<Long, DeliveryRateWindow.SendState> inFlight = new HashMap<>();

    DeliveryRateController(CongestionControlEventListener sender, long bytesInFlightNow) {
        super(new NullLogger(), sender);
        bytesInFlight = bytesInFlightNow;
        congestionWindow = Math.max(window.window(), bytesInFlightNow);
    }

    @Override
    public synchronized void registerInFlight(QuicPacket packet) {
        if (!packet.isAckOnly() && packet.getPacketNumber() != null) {
            inFlight.put(key(packet), window.onSent(System.nanoTime()));
        }
        super.registerInFlight(packet);
    }

    @Override
    public synchronized void registerAcked(List<? extends PacketInfo> acked) {
        long now = System.nanoTime();
        List<PacketInfo> oldestFirst = new ArrayList<>(acked);
        oldestFirst.sort(Comparator.comparing(PacketInfo::timeSent));
        for (PacketInfo p : oldestFirst) {
            DeliveryRateWindow.SendState sent = inFlight.remove(key(p.packet()));
            if (sent != null) {
                window.onAcked(p.packet().getSize(), sent, now);
            }
        }
        congestionWindow = window.window();
        super.registerAcked(acked); // last: it wakes kwik's sender, which reads the new window
    }

    @Override
    public synchronized void registerLost(List<? extends PacketInfo> lost) {
        // The window stays: a loss on a radio link says little about its capacity (see DeliveryRateWindow).
        forget(lost);
        super.registerLost(lost);
    }

    @Override
    public synchronized void discard(List<? extends PacketInfo> discarded) {
        forget(discarded);
        super.discard(discarded);
    }

    @Override
    public synchronized void reset() {
        inFlight.clear();
        super.reset();
    }

    private void forget(List<? extends PacketInfo> packets) {
        for (PacketInfo p : packets) {
            inFlight.remove(key(p.packet()));
        }
    }

    /** Packet numbers restart in each space: the space goes in the top bits. */
    private static long key(QuicPacket packet) {
        Long number = packet.getPacketNumber();
        return ((long) packet.getPnSpace().ordinal() << 60) | (number == null ? 0 : number);
    }

    /** The delivery rate the window is built on, bytes per second; 0 before any acknowledgement. */
    synchronized double deliveryRate() {
        return window.bandwidth();
    }

    /**
     * Makes this controller the one {@code connection} uses, from now on; returns it.
     *
     * @throws ReflectiveOperationException when kwik's internals are not where {@link #HOLDERS} says (another
     *                                      kwik release); the connection is then left as it was
     */
    static DeliveryRateController install(QuicConnection connection) throws ReflectiveOperationException {
        Object sender = invokeDeclared(connection, "getSender");
        Field senderField = declaredField(sender.getClass(), "congestionController");
        Object recovery = declaredField(sender.getClass(), "recoveryManager").get(sender);
        Field recoveryField = declaredField(recovery.getClass(), "congestionController");
        Object[] detectors = (Object[]) declaredField(recovery.getClass(), "lossDetectors").get(recovery);
        List<Field> detectorFields = new ArrayList<>();
        for (Object detector : detectors) {
            detectorFields.add(declaredField(detector.getClass(), "congestionController"));
        }
        CongestionController old = (CongestionController) senderField.get(sender);
        if (!(sender instanceof CongestionControlEventListener listener)) {
            throw new NoSuchFieldException(sender.getClass().getName() + " is not the controller's listener");
        }
        synchronized (old) {
            DeliveryRateController mine = new DeliveryRateController(listener, old.getBytesInFlight());
            senderField.set(sender, mine);
            recoveryField.set(recovery, mine);
            for (int i = 0; i < detectors.length; i++) {
                detectorFields.get(i).set(detectors[i], mine);
            }
            return mine;
        }
    }

    private static Object invokeDeclared(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod(name);
                m.setAccessible(true);
                return m.invoke(target);
            } catch (NoSuchMethodException e) {
                // declared higher up
            }
        }
        throw new NoSuchMethodException(target.getClass().getName() + "." + name + "()");
    }

    private static Field declaredField(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }
}
