package io.quicbond.transport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import java.nio.channels.Channel;

/**
 * Socket options the JDK does not offer, set through Java's foreign function API on a channel's file descriptor.
 * Interim copy with the API the lead announced for main ({@code fd}, {@code setInt}, {@code getInt},
 * {@code setBytes}, the constants, {@code unavailableReason}); main's version replaces it on merge.
 *
 * <p>Needs {@code --enable-native-access=ALL-UNNAMED} and {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}
 * (to read a channel's descriptor). Stateless; any thread.
 */
public final class LinuxSockets {
    public static final int SOL_SOCKET = 1;
    public static final int SOL_IP = 0;
    public static final int SOL_IPV6 = 41;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_MARK = 36;
    public static final int IP_TRANSPARENT = 19;
    public static final int IP_RECVORIGDSTADDR = 20;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_TRANSPARENT = 75;
    public static final int IPV6_RECVORIGDSTADDR = 74;
    public static final int IPPROTO_MPTCP = 262;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final VarHandle ERRNO;
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final String UNAVAILABLE;

    static {
        MethodHandle set = null;
        MethodHandle get = null;
        String reason = null;
        try {
            SymbolLookup libc = LINKER.defaultLookup();
            set = LINKER.downcallHandle(libc.find("setsockopt").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), CAPTURE);
            get = LINKER.downcallHandle(libc.find("getsockopt").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), CAPTURE);
        } catch (RuntimeException | Error e) {
            reason = "native socket calls unavailable: " + e;
        }
        SETSOCKOPT = set;
        GETSOCKOPT = get;
        ERRNO = Linker.Option.captureStateLayout().varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        UNAVAILABLE = reason;
    }

    private LinuxSockets() {
    }

    /** Why native socket options cannot be used here, or null when they can. */
    public static String unavailableReason() {
        if (UNAVAILABLE != null) {
            return UNAVAILABLE;
        }
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "not Linux";
        }
        try {
            fdGetter();
        } catch (IOException e) {
            return e.getMessage();
        }
        return null;
    }

    /**
     * The channel's file descriptor.
     *
     * @throws IOException when the JVM does not let us read it (missing --add-opens java.base/sun.nio.ch)
     */
    public static int fd(Channel channel) throws IOException {
        try {
            return (int) fdGetter().invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot read the file descriptor of " + channel.getClass().getName()
                    + " (the JVM needs --add-opens java.base/sun.nio.ch=ALL-UNNAMED): " + e, e);
        }
    }

    private static Method fdGetter() throws IOException {
        try {
            Method m = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot reach socket descriptors (the JVM needs --add-opens "
                    + "java.base/sun.nio.ch=ALL-UNNAMED): " + e, e);
        }
    }

    /** setsockopt(fd, level, option, &value, 4). @throws IOException with errno on failure */
    public static void setInt(Channel channel, int level, int option, int value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            call(SETSOCKOPT, arena, "setsockopt(" + level + ", " + option + ")", fd(channel), level, option, v, 4);
        }
    }

    /** setsockopt(fd, level, option, bytes, bytes.length). @throws IOException with errno on failure */
    public static void setBytes(Channel channel, int level, int option, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            call(SETSOCKOPT, arena, "setsockopt(" + level + ", " + option + ")", fd(channel), level, option, v,
                    value.length);
        }
    }

    /** getsockopt(fd, level, option) as an int. @throws IOException with errno on failure */
    public static int getInt(Channel channel, int level, int option) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            call(GETSOCKOPT, arena, "getsockopt(" + level + ", " + option + ")", fd(channel), level, option, v, len);
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static void call(MethodHandle handle, Arena arena, String what, Object... args) throws IOException {
        if (handle == null) {
            throw new IOException(UNAVAILABLE);
        }
        MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
        Object[] full = new Object[args.length + 1];
        full[0] = state;
        System.arraycopy(args, 0, full, 1, args.length);
        int rc;
        try {
            rc = (int) handle.invokeWithArguments(full);
        } catch (Throwable t) {
            throw new IOException(what + " failed: " + t, t);
        }
        if (rc != 0) {
            int errno = (int) ERRNO.get(state, 0L);
            throw new IOException(what + " failed: errno " + errno + (errno == 1 ? " (EPERM: needs CAP_NET_ADMIN)" : ""));
        }
    }
}
