package io.quicbond.interop.emulator.ip;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}) without a new process: a fresh platform
 * thread calls {@code setns(2)}, which moves only that thread, then runs the task. Sockets take the namespace of the
 * thread that creates them and keep it, so a socket opened by the task may be used from any thread afterwards.
 * Root only. Called from any thread; each call uses a thread of its own, which ends with the task.
 */
public final class Netns {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private Netns() {
    }

    /**
     * Runs {@code task} in namespace {@code name} and returns its result.
     *
     * @throws IOException when the namespace cannot be entered, or what the task threw, wrapped if not an IOException
     */
    public static <T> T call(String name, Callable<T> task) throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("netns-" + name).start(() -> {
            try {
                enter(name);
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in namespace " + name, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("in namespace " + name + ": " + e.getCause(), e.getCause());
        }
    }

    private static void enter(String name) throws Throwable {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("not a namespace name: '" + name + "'");
        }
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle setns = linker.downcallHandle(libc.find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom("/run/netns/" + name);
            int fd = (int) open.invokeExact(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("no network namespace " + name + " (/run/netns/" + name + " cannot be opened)");
            }
            int rc = (int) setns.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) close.invokeExact(fd);
            if (rc != 0) {
                throw new IOException("setns into " + name + " failed (needs root)");
            }
        }
    }
}
