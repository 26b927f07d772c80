package io.quicbond.interop.emulator.ip;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A Linux TUN device (layer 3, no packet information header) opened through {@code /dev/net/tun} with the foreign
 * function API: {@code open}, {@code ioctl(TUNSETIFF, IFF_TUN | IFF_NO_PI)}, then {@code poll}, {@code read} and
 * {@code write} of whole IP packets. The device lives as long as this object is open (it is not made persistent),
 * also after it has been moved into another network namespace with {@code ip link set NAME netns NS}: closing it,
 * or the process ending, removes the device.
 *
 * <p>Threads: one thread may {@link #read} while another {@link #write}s; {@link #close()} must come after both
 * have stopped (a thread blocked in {@code read} would not notice a close, which is why {@link #read} polls with
 * a timeout). Needs root (CAP_NET_ADMIN) and {@code --enable-native-access=ALL-UNNAMED}; every failure is an
 * {@link IOException} naming the call and the error.
 */
public final class TunDevice implements AutoCloseable {

    /** Longest device name the kernel accepts (IFNAMSIZ - 1). */
    public static final int MAX_NAME_LENGTH = 15;
    /** Read buffer size: enough for any IP packet a 64 KiB MTU could carry. */
    public static final int MAX_PACKET = 65_535;

    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final short POLLIN = 0x0001;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    /** struct ifreq: char ifr_name[16], then a union whose first member here is short ifr_flags; 40 bytes. */
    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS_OFFSET = 16;

    private static final Native NATIVE = Native.load();

    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment readBuffer = arena.allocate(MAX_PACKET);
    private final MemorySegment writeBuffer = arena.allocate(MAX_PACKET);
    private final MemorySegment pollFd = arena.allocate(8);
    private final MemorySegment readState = arena.allocate(Linker.Option.captureStateLayout());
    private final MemorySegment writeState = arena.allocate(Linker.Option.captureStateLayout());
    private volatile boolean closed;

    private TunDevice(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Why TUN devices cannot be used here, or null when they can: the native calls must link, and
     * {@code /dev/net/tun} must be there (opening it still needs root).
     */
    public static String unavailableReason() {
        if (NATIVE.error != null) {
            return "native calls unavailable: " + NATIVE.error;
        }
        if (!java.nio.file.Files.exists(java.nio.file.Path.of("/dev/net/tun"))) {
            return "/dev/net/tun is missing (no TUN support in this kernel or container)";
        }
        return null;
    }

    /**
     * Creates the device {@code name} in this process's network namespace; it is down and has no address yet.
     *
     * @throws IllegalArgumentException for a name the kernel would refuse (empty, too long, '/', ':' or blanks)
     * @throws IOException when the kernel refuses (EPERM without CAP_NET_ADMIN, EBUSY when the name is taken)
     */
    public static TunDevice create(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("TUN device name must be 1.." + MAX_NAME_LENGTH
                    + " characters of letters, digits, '_', '.', '-': '" + name + "'");
        }
        NATIVE.check();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Linker.Option.captureStateLayout());
            int fd = (int) NATIVE.open.invokeExact(state, call.allocateFrom("/dev/net/tun"), O_RDWR | O_CLOEXEC);
            if (fd < 0) {
                throw NATIVE.failure("open /dev/net/tun", state);
            }
            MemorySegment ifreq = call.allocate(IFREQ_SIZE);
            byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, IFREQ_FLAGS_OFFSET, (short) (IFF_TUN | IFF_NO_PI));
            int rc = (int) NATIVE.ioctl.invokeExact(state, fd, TUNSETIFF, ifreq);
            if (rc < 0) {
                IOException e = NATIVE.failure("ioctl TUNSETIFF " + name, state);
                int ignored = (int) NATIVE.close.invokeExact(state, fd);
                throw e;
            }
            return new TunDevice(name, fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("native call failed creating " + name, t);
        }
    }

    public String name() {
        return name;
    }

    /**
     * Reads one IP packet, waiting at most {@code timeoutMillis}.
     *
     * @return the packet, or null when none came in time (or the device is closed)
     * @throws IOException when the device failed (e.g. it was deleted)
     */
    public byte[] read(int timeoutMillis) throws IOException {
        if (closed) {
            return null;
        }
        try {
            pollFd.set(ValueLayout.JAVA_INT, 0, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int ready = (int) NATIVE.poll.invokeExact(readState, pollFd, 1L, timeoutMillis);
            if (ready < 0) {
                if (NATIVE.errno(readState) == EINTR) {
                    return null;
                }
                throw NATIVE.failure("poll " + name, readState);
            }
            if (ready == 0) {
                return null;
            }
            long n = (long) NATIVE.read.invokeExact(readState, fd, readBuffer, (long) MAX_PACKET);
            if (n < 0) {
                int errno = NATIVE.errno(readState);
                if (errno == EINTR || errno == EAGAIN) {
                    return null;
                }
                throw NATIVE.failure("read " + name, readState);
            }
            return readBuffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("native read failed on " + name, t);
        }
    }

    /**
     * Hands one IP packet to the kernel, as if it had arrived on this device.
     *
     * @throws IOException when the kernel refused it (e.g. EINVAL for a packet that is not IP)
     */
    public void write(byte[] packet) throws IOException {
        if (packet.length > MAX_PACKET) {
            throw new IOException("packet of " + packet.length + " bytes is larger than " + MAX_PACKET);
        }
        if (closed) {
            throw new IOException(name + " is closed");
        }
        try {
            MemorySegment.copy(packet, 0, writeBuffer, ValueLayout.JAVA_BYTE, 0, packet.length);
            long n = (long) NATIVE.write.invokeExact(writeState, fd, writeBuffer, (long) packet.length);
            if (n < 0) {
                throw NATIVE.failure("write " + name, writeState);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("native write failed on " + name, t);
        }
    }

    /** Closes the file descriptor, which removes the device from whatever namespace it is in. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) NATIVE.close.invokeExact(readState, fd);
        } catch (Throwable ignored) {
            // Nothing more can be done with a descriptor that fails to close.
        }
        arena.close();
    }

    @Override
    public String toString() {
        return "TunDevice[" + name + (closed ? ", closed" : "") + "]";
    }

    /** The libc functions, linked once; {@code error} says why they could not be. */
    private record Native(MethodHandle open, MethodHandle ioctl, MethodHandle poll, MethodHandle read,
                          MethodHandle write, MethodHandle close, MethodHandle strerror, VarHandle errnoHandle,
                          String error) {

        static Native load() {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                StructLayout stateLayout = Linker.Option.captureStateLayout();
                VarHandle errnoHandle = stateLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
                // ioctl is variadic: its third argument must be passed as a variadic one.
                MethodHandle ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.ADDRESS), errno, Linker.Option.firstVariadicArg(2));
                MethodHandle poll = linker.downcallHandle(libc.find("poll").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT), errno);
                MethodHandle read = linker.downcallHandle(libc.find("read").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG), errno);
                MethodHandle write = linker.downcallHandle(libc.find("write").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG), errno);
                MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
                MethodHandle strerror = linker.downcallHandle(libc.find("strerror").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                return new Native(open, ioctl, poll, read, write, close, strerror, errnoHandle, null);
            } catch (RuntimeException | Error e) {
                return new Native(null, null, null, null, null, null, null, null, e.toString());
            }
        }

        void check() throws IOException {
            if (error != null) {
                throw new IOException("TUN devices need native access, which is unavailable: " + error);
            }
        }

        int errno(MemorySegment state) {
            return (int) errnoHandle.get(state, 0L);
        }

        IOException failure(String what, MemorySegment state) {
            int code = errno(state);
            String text;
            try {
                MemorySegment s = (MemorySegment) strerror.invokeExact(code);
                text = s.reinterpret(256).getString(0);
            } catch (Throwable t) {
                text = "errno " + code;
            }
            return new IOException(what + " failed: " + text + " (errno " + code + ")");
        }
    }
}
