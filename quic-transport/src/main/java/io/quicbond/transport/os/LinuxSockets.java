package io.quicbond.transport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import java.nio.channels.Channel;
import java.util.Locale;
import java.util.Optional;

/**
 * Linux socket calls the JDK has no API for (IP_TRANSPARENT, SO_MARK, IPPROTO_MPTCP...), made through Java's
 * foreign function API on the file descriptor of an NIO channel.
 *
 * <p>The descriptor is read from the JDK's channel implementation, which needs the JVM flags
 * {@code --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (the launchers in
 * {@code bin/} and the test plugins pass them). Without them, or off Linux, {@link #unavailableReason()} says why
 * and every call throws {@link NativeSocketException}. Any thread may call these methods; they hold no state.
 */
public final class LinuxSockets {
    public static final int SOL_IP = 0;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_TCP = 6;
    public static final int SOL_IPV6 = 41;
    public static final int SOL_MPTCP = 284;

    public static final int SO_REUSEADDR = 2;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_MARK = 36;
    public static final int SO_PROTOCOL = 38;
    public static final int SO_DOMAIN = 39;

    public static final int IP_TRANSPARENT = 19;
    public static final int IP_RECVORIGDSTADDR = 20;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_RECVORIGDSTADDR = 74;
    public static final int IPV6_TRANSPARENT = 75;

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_MPTCP = 262;

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    private static final Native NATIVE = Native.load();

    private LinuxSockets() {
    }

    /** Empty when native socket calls work here; otherwise why not, in words a user can act on. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(NATIVE.unavailable);
    }

    /** The file descriptor behind a JDK socket channel (SocketChannel, ServerSocketChannel, DatagramChannel). */
    public static int fd(Channel channel) throws NativeSocketException {
        Native n = NATIVE.require();
        try {
            Method getter = n.fdGetter(channel.getClass());
            return (int) getter.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new NativeSocketException("cannot read the file descriptor of " + channel.getClass().getName()
                    + " (is --add-opens java.base/sun.nio.ch=ALL-UNNAMED set?): " + e, e);
        }
    }

    public static void setInt(Channel channel, int level, int option, int value) throws NativeSocketException {
        setInt(fd(channel), level, option, value, optionName(level, option));
    }

    public static int getInt(Channel channel, int level, int option) throws NativeSocketException {
        return getInt(fd(channel), level, option, optionName(level, option));
    }

    /** setsockopt with a byte value, e.g. SO_BINDTODEVICE with an interface name. */
    public static void setBytes(Channel channel, int level, int option, byte[] value) throws NativeSocketException {
        Native n = NATIVE.require();
        int fd = fd(channel);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, buffer, ValueLayout.JAVA_BYTE, 0, value.length);
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int rc = (int) n.setsockopt.invokeExact(state, fd, level, option, buffer, value.length);
            if (rc != 0) {
                throw n.error("setsockopt(" + optionName(level, option) + ")", state);
            }
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("setsockopt(" + optionName(level, option) + ") failed: " + t, t);
        }
    }

    /** getsockopt into a buffer of {@code capacity} bytes; returns the bytes the kernel filled. */
    public static byte[] getBytes(Channel channel, int level, int option, int capacity) throws NativeSocketException {
        Native n = NATIVE.require();
        int fd = fd(channel);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(capacity);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, capacity);
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int rc = (int) n.getsockopt.invokeExact(state, fd, level, option, buffer, length);
            if (rc != 0) {
                throw n.error("getsockopt(" + optionName(level, option) + ")", state);
            }
            int filled = Math.min(capacity, length.get(ValueLayout.JAVA_INT, 0));
            return buffer.asSlice(0, filled).toArray(ValueLayout.JAVA_BYTE);
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("getsockopt(" + optionName(level, option) + ") failed: " + t, t);
        }
    }

    static void setInt(int fd, int level, int option, int value, String what) throws NativeSocketException {
        Native n = NATIVE.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(ValueLayout.JAVA_INT);
            buffer.set(ValueLayout.JAVA_INT, 0, value);
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int rc = (int) n.setsockopt.invokeExact(state, fd, level, option, buffer, 4);
            if (rc != 0) {
                throw n.error("setsockopt(" + what + ", " + value + ")", state);
            }
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("setsockopt(" + what + ") failed: " + t, t);
        }
    }

    static int getInt(int fd, int level, int option, String what) throws NativeSocketException {
        Native n = NATIVE.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 4);
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int rc = (int) n.getsockopt.invokeExact(state, fd, level, option, buffer, length);
            if (rc != 0) {
                throw n.error("getsockopt(" + what + ")", state);
            }
            return buffer.get(ValueLayout.JAVA_INT, 0);
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("getsockopt(" + what + ") failed: " + t, t);
        }
    }

    /** socket(2); the caller owns the descriptor. */
    static int socket(int domain, int type, int protocol) throws NativeSocketException {
        Native n = NATIVE.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int fd = (int) n.socket.invokeExact(state, domain, type, protocol);
            if (fd < 0) {
                throw n.error("socket(" + domain + ", " + type + ", " + protocol + ")", state);
            }
            return fd;
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("socket() failed: " + t, t);
        }
    }

    /**
     * Puts the socket {@code replacement} in place of descriptor {@code target} (dup2) and closes
     * {@code replacement}'s own number; the file status flags of {@code target} (O_NONBLOCK) are copied first so
     * the JDK's view of the descriptor stays true.
     */
    static void replace(int target, int replacement) throws NativeSocketException {
        Native n = NATIVE.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int flags = (int) n.fcntl.invokeExact(state, target, F_GETFL, 0);
            if (flags < 0) {
                throw n.error("fcntl(F_GETFL)", state);
            }
            if ((int) n.fcntl.invokeExact(state, replacement, F_SETFL, flags) < 0) {
                throw n.error("fcntl(F_SETFL)", state);
            }
            if ((int) n.dup2.invokeExact(state, replacement, target) < 0) {
                throw n.error("dup2", state);
            }
        } catch (NativeSocketException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeSocketException("dup2 failed: " + t, t);
        } finally {
            close(replacement);
        }
    }

    static void close(int fd) {
        Native n = NATIVE;
        if (n.unavailable != null) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) n.close.invokeExact(arena.allocate(Native.CALL_STATE), fd);
        } catch (Throwable ignored) {
            // closing a descriptor we own: nothing useful to do on failure
        }
    }

    private static String optionName(int level, int option) {
        return "level " + level + " option " + option;
    }

    /** The linked functions, or why they could not be linked. */
    private static final class Native {
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = CALL_STATE.varHandle(
                java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

        final String unavailable;
        final MethodHandle socket;
        final MethodHandle setsockopt;
        final MethodHandle getsockopt;
        final MethodHandle fcntl;
        final MethodHandle dup2;
        final MethodHandle close;
        final MethodHandle strerror;
        private final java.util.concurrent.ConcurrentHashMap<Class<?>, Method> fdGetters =
                new java.util.concurrent.ConcurrentHashMap<>();

        private Native(String unavailable, MethodHandle... handles) {
            this.unavailable = unavailable;
            this.socket = handles.length > 0 ? handles[0] : null;
            this.setsockopt = handles.length > 0 ? handles[1] : null;
            this.getsockopt = handles.length > 0 ? handles[2] : null;
            this.fcntl = handles.length > 0 ? handles[3] : null;
            this.dup2 = handles.length > 0 ? handles[4] : null;
            this.close = handles.length > 0 ? handles[5] : null;
            this.strerror = handles.length > 0 ? handles[6] : null;
        }

        static Native load() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux")) {
                return new Native("native socket options need Linux (this is " + os + ")");
            }
            if (!Native.class.getModule().isNativeAccessEnabled()) {
                return new Native("native access is not enabled (start the JVM with --enable-native-access=ALL-UNNAMED)");
            }
            try {
                Linker linker = Linker.nativeLinker();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                var libc = linker.defaultLookup();
                ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                MethodHandle socket = linker.downcallHandle(libc.findOrThrow("socket"),
                        FunctionDescriptor.of(i, i, i, i), errno);
                MethodHandle setsockopt = linker.downcallHandle(libc.findOrThrow("setsockopt"),
                        FunctionDescriptor.of(i, i, i, i, ValueLayout.ADDRESS, i), errno);
                MethodHandle getsockopt = linker.downcallHandle(libc.findOrThrow("getsockopt"),
                        FunctionDescriptor.of(i, i, i, i, ValueLayout.ADDRESS, ValueLayout.ADDRESS), errno);
                MethodHandle fcntl = linker.downcallHandle(libc.findOrThrow("fcntl"),
                        FunctionDescriptor.of(i, i, i, i), errno, Linker.Option.firstVariadicArg(2));
                MethodHandle dup2 = linker.downcallHandle(libc.findOrThrow("dup2"),
                        FunctionDescriptor.of(i, i, i), errno);
                MethodHandle close = linker.downcallHandle(libc.findOrThrow("close"),
                        FunctionDescriptor.of(i, i), errno);
                MethodHandle strerror = linker.downcallHandle(libc.findOrThrow("strerror"),
                        FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                                java.lang.foreign.MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), i));
                Native n = new Native(null, socket, setsockopt, getsockopt, fcntl, dup2, close, strerror);
                String fdProblem = n.probeFdAccess();
                return fdProblem == null ? n : new Native(fdProblem);
            } catch (RuntimeException | LinkageError e) {
                return new Native("cannot link libc socket calls: " + e);
            }
        }

        private String probeFdAccess() {
            try (var probe = java.nio.channels.DatagramChannel.open()) {
                fdGetter(probe.getClass()).invoke(probe);
                return null;
            } catch (IOException | ReflectiveOperationException | RuntimeException e) {
                return "cannot read socket descriptors from the JDK (start the JVM with"
                        + " --add-opens java.base/sun.nio.ch=ALL-UNNAMED): " + e.getClass().getSimpleName();
            }
        }

        Method fdGetter(Class<?> type) {
            return fdGetters.computeIfAbsent(type, t -> {
                for (Class<?> c = t; c != null; c = c.getSuperclass()) {
                    try {
                        Method m = c.getDeclaredMethod("getFDVal");
                        m.setAccessible(true);
                        return m;
                    } catch (NoSuchMethodException e) {
                        // the implementation class may sit further up
                    }
                }
                throw new IllegalStateException(t.getName() + " has no getFDVal()");
            });
        }

        Native require() throws NativeSocketException {
            if (unavailable != null) {
                throw new NativeSocketException(unavailable, null);
            }
            return this;
        }

        NativeSocketException error(String call, MemorySegment state) {
            int errno = (int) ERRNO.get(state, 0L);
            String message;
            try {
                MemorySegment text = (MemorySegment) strerror.invokeExact(errno);
                message = text.getString(0);
            } catch (Throwable t) {
                message = "errno " + errno;
            }
            return new NativeSocketException(call + " failed: " + message + " (errno " + errno + ")", errno);
        }
    }
}
