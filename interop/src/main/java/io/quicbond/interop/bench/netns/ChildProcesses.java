package io.quicbond.interop.bench.netns;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes the netns benchmark starts (iperf3, the quicbond JVMs), ended when the benchmark's JVM exits for
 * any reason: stopped with Ctrl-C or a signal, the benchmark's own clean-up never runs, and they would outlive it.
 */
final class ChildProcesses {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::endAll, "netns-bench-children"));
    }

    private ChildProcesses() {
    }

    /** Remembers {@code process} until it exits; returns it. */
    static Process track(Process process) {
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        return process;
    }

    private static void endAll() {
        for (Process p : RUNNING) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }
}
