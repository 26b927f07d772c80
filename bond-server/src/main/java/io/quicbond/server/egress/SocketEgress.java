package io.quicbond.server.egress;

import io.quicbond.transport.Destination;
import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.EgressConnector.EgressRates;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.net.IpLiterals;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Egress over the server's own sockets: resolves the destination, applies the {@link EgressPolicy} to every
 * resolved address, and connects to the allowed ones in the resolver's order until one answers.
 *
 * <p>TCP sockets come back connected, with TCP_NODELAY set (the bond already batches; Nagle would only add
 * delay). UDP sockets come back connected to the first allowed address, so the kernel drops datagrams from anyone
 * else.
 *
 * <p>Errors are {@link FlowOpenException}s: {@link FlowError#DENIED} when the policy allows none of the addresses
 * (the message names each address and the rule), {@link FlowError#DNS_FAILED} when the name does not resolve,
 * {@link FlowError#REFUSED} for a TCP reset, {@link FlowError#UNREACHABLE} for no route, an unreachable port or
 * network, {@link FlowError#TIMED_OUT} when the connect timeout passes. When every allowed address fails, the
 * error of the last one is thrown, with the others suppressed.
 *
 * <p>Thread-safe; called on per-flow virtual threads and blocks while resolving and connecting. Defaults: the
 * system resolver and a connect timeout of 10 seconds for each address tried.
 */
public final class SocketEgress implements EgressConnector {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final EgressPolicy policy;
    private final Resolver resolver;
    private final int connectTimeoutMillis;
    private final Function<String, EgressRates> rates;

    /** With the system resolver and the default connect timeout; no rate limits. */
    public SocketEgress(EgressPolicy policy) {
        this(policy, Resolver.system(), DEFAULT_CONNECT_TIMEOUT);
    }

    /** No rate limits. */
    public SocketEgress(EgressPolicy policy, Resolver resolver, Duration connectTimeout) {
        this(policy, resolver, connectTimeout, user -> EgressRates.NONE);
    }

    /**
     * @param connectTimeout for each address tried; at least 1 ms
     * @param rates          each user's rate limits (e.g. {@link io.quicbond.server.users.UserRates})
     * @throws IllegalArgumentException if the timeout is out of range
     */
    public SocketEgress(EgressPolicy policy, Resolver resolver, Duration connectTimeout,
                        Function<String, EgressRates> rates) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.rates = Objects.requireNonNull(rates, "rates");
        if (connectTimeout.toMillis() < 1 || connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connect timeout must be 1 ms .. 24 days: " + connectTimeout);
        }
        this.connectTimeoutMillis = (int) connectTimeout.toMillis();
    }

    public EgressPolicy policy() {
        return policy;
    }

    @Override
    public EgressRates rates(String user) {
        return rates.apply(user);
    }

    @Override
    public Socket connectTcp(String user, Destination destination) throws FlowOpenException {
        List<InetAddress> candidates = allowedAddresses(destination);
        FlowOpenException failure = null;
        for (InetAddress address : candidates) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(address, destination.port()), connectTimeoutMillis);
                return socket;
            } catch (IOException e) {
                closeQuietly(socket);
                FlowOpenException next = new FlowOpenException(classify(e),
                        destination + " via " + IpLiterals.format(address) + ": " + e.getMessage(), e);
                if (failure != null) {
                    next.addSuppressed(failure);
                }
                failure = next;
                if (Thread.currentThread().isInterrupted()) {
                    throw new FlowOpenException(FlowError.INTERNAL, destination + ": interrupted while connecting", e);
                }
            }
        }
        throw failure;
    }

    @Override
    public DatagramSocket openUdp(String user, Destination destination) throws FlowOpenException {
        List<InetAddress> candidates = allowedAddresses(destination);
        FlowOpenException failure = null;
        for (InetAddress address : candidates) {
            DatagramSocket socket = null;
            try {
                socket = new DatagramSocket();
                socket.connect(new InetSocketAddress(address, destination.port()));
                return socket;
            } catch (IOException e) {
                if (socket != null) {
                    socket.close();
                }
                FlowOpenException next = new FlowOpenException(classify(e),
                        destination + " via " + IpLiterals.format(address) + " (UDP): " + e.getMessage(), e);
                if (failure != null) {
                    next.addSuppressed(failure);
                }
                failure = next;
            }
        }
        throw failure;
    }

    /**
     * The destination's addresses that the policy allows, in order; never empty.
     *
     * @throws FlowOpenException DNS_FAILED, DENIED, or UNREACHABLE for a malformed literal or port 0
     */
    List<InetAddress> allowedAddresses(Destination destination) throws FlowOpenException {
        Objects.requireNonNull(destination, "destination");
        if (destination.port() == 0) {
            throw new FlowOpenException(FlowError.UNREACHABLE, destination + ": port 0 is not a destination");
        }
        List<InetAddress> resolved = resolve(destination);
        List<InetAddress> allowed = new ArrayList<>(resolved.size());
        List<String> denied = new ArrayList<>();
        for (InetAddress address : resolved) {
            if (address == null) {
                continue;
            }
            EgressPolicy.Decision decision = policy.check(address, destination.port());
            if (decision.allowed()) {
                allowed.add(address);
            } else {
                denied.add(IpLiterals.format(address) + " (" + decision.rule() + ")");
            }
        }
        if (allowed.isEmpty()) {
            throw new FlowOpenException(FlowError.DENIED, destination + ": denied by egress policy: "
                    + String.join(", ", denied));
        }
        return allowed;
    }

    private List<InetAddress> resolve(Destination destination) throws FlowOpenException {
        String host = destination.host();
        if (destination.kind() != Destination.Kind.DOMAIN) {
            try {
                // Our own parser, not Destination.literalAddress(): it never falls back to DNS, and it takes the
                // IPv4-mapped forms (::ffff:127.0.0.1) that the policy must see and judge.
                return List.of(IpLiterals.toInetAddress(IpLiterals.parse(host)));
            } catch (IllegalArgumentException e) {
                throw new FlowOpenException(FlowError.UNREACHABLE, destination + ": " + e.getMessage(), e);
            }
        }
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new FlowOpenException(FlowError.DNS_FAILED, destination + ": name does not resolve", e);
        } catch (RuntimeException e) {
            // The system resolver throws unchecked exceptions for some malformed names; the flow fails, not the server.
            throw new FlowOpenException(FlowError.DNS_FAILED, destination + ": " + e, e);
        }
        if (addresses == null || addresses.isEmpty()) {
            throw new FlowOpenException(FlowError.DNS_FAILED, destination + ": name resolves to no address");
        }
        return addresses;
    }

    /** The flow error for a failed connect, by exception type (the JDK maps errno values onto these). */
    static FlowError classify(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return FlowError.TIMED_OUT;
        }
        if (e instanceof ConnectException) {
            // ETIMEDOUT (the kernel gave up on SYN retries) also surfaces as ConnectException.
            String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            return message.contains("timed out") ? FlowError.TIMED_OUT : FlowError.REFUSED;
        }
        if (e instanceof NoRouteToHostException || e instanceof PortUnreachableException) {
            return FlowError.UNREACHABLE;
        }
        if (e instanceof UnknownHostException) {
            return FlowError.DNS_FAILED;
        }
        if (e instanceof SocketException) {
            // ENETUNREACH ("Network is unreachable"), EADDRNOTAVAIL (no source address of that family), ...
            return FlowError.UNREACHABLE;
        }
        return FlowError.INTERNAL;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing was sent on it; the connect error is what matters.
        }
    }
}
