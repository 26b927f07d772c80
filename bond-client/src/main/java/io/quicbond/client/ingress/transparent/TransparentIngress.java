package io.quicbond.client.ingress.transparent;

import io.quicbond.client.ingress.Ingress;
import io.quicbond.transport.FlowTransport;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Router mode's ingress: TCP and UDP, IPv4 and IPv6, delivered by nftables TPROXY to one port
 * ({@link TransparentTcpIngress}, {@link TransparentUdpIngress}). {@code bond-client router up} installs the rules
 * that send LAN traffic here.
 *
 * <p>Threads: those of the two parts. {@link #start()} and {@link #close()} from any thread.
 */
public final class TransparentIngress implements Ingress {
    private final TransparentSettings settings;
    private final FlowTransport transport;
    private final TransparentTcpIngress tcp;
    private volatile TransparentUdpIngress udp;

    public TransparentIngress(TransparentSettings settings, FlowTransport transport) {
        this.settings = settings;
        this.transport = transport;
        this.tcp = new TransparentTcpIngress(settings, transport);
    }

    /** @throws IOException without CAP_NET_ADMIN, without the JVM options of LinuxSockets, or when the port is taken */
    @Override
    public void start() throws IOException {
        tcp.start();
        try {
            // UDP on the port TCP actually bound (the same number when the settings asked for port 0).
            udp = new TransparentUdpIngress(new TransparentSettings(tcp.boundAddress().getPort(), settings.ipv6(),
                    settings.dnsResolver(), settings.udpIdleTimeout()), transport);
            udp.start();
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    /** The IPv4 TCP listener's address. */
    @Override
    public InetSocketAddress boundAddress() {
        return tcp.boundAddress();
    }

    /**
     * What the ingress carries now.
     *
     * @param listen      the TCP and UDP port ("0.0.0.0:4435", and [::] with IPv6)
     * @param tcpOpen     TCP connections open
     * @param tcpAccepted TCP connections accepted since start
     * @param udpOpen     UDP flows open
     * @param udpStarted  UDP flows started since start
     */
    public record Counts(InetSocketAddress listen, boolean ipv6, int tcpOpen, long tcpAccepted, int udpOpen,
                         long udpStarted) {
    }

    /** Its listeners and flows; any thread. */
    public Counts counts() {
        TransparentUdpIngress u = udp;
        return new Counts(tcp.boundAddress(), settings.ipv6(), tcp.openConnections(), tcp.acceptedConnections(),
                u == null ? 0 : u.openFlows(), u == null ? 0 : u.flowsStarted());
    }

    @Override
    public void close() {
        TransparentUdpIngress u = udp;
        if (u != null) {
            u.close();
        }
        tcp.close();
    }
}
