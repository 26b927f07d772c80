package io.quicbond.interop.emulator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A set of named emulated uplinks to one target, built from a spec string such as
 * {@code lte=40mbit/20ms/1%,dsl=20mbit/50ms,sat=10mbit/100ms}.
 *
 * <h2>Grammar</h2>
 * <pre>
 * spec    = link *( "," link )                       at most 256 links
 * link    = name "=" profile [ ":" profile ]         one profile: both directions; two: up:down
 * name    = letter *31( letter / digit / "_" / "-" / "." )
 * profile = part *( "/" part )                       parts in any order, each kind at most once
 * part    = rate / delay / loss / queue / "unlimited" / "off"
 * rate    = number ( "bit" / "kbit" / "mbit" / "gbit" / "tbit" )   decimal (1 kbit = 1000 bit), whole bit/s
 * delay   = number ( "ns" / "us" / "ms" / "s" )      one-way, at most 1 day
 * loss    = number "%"                               0 .. 100
 * queue   = "q=" number [ "k" / "m" / "kb" / "mb" ]  k, m binary (1024); kb, mb decimal
 * number  = digits [ "." digits ]
 * </pre>
 * Missing parts mean: unlimited rate, no delay, no loss, automatic queue, link up ("off" starts it down).
 * Units are case-insensitive and whitespace around parts is ignored. "mbps" is refused because tc reads it as
 * megabytes per second.
 */
public final class EmulatedLinks implements AutoCloseable {

    /**
     * One named link as written in a spec.
     *
     * @param up    client to target
     * @param down  target to client
     */
    public record LinkSpec(String name, LinkProfile up, LinkProfile down) {
        public LinkSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(up, "up");
            Objects.requireNonNull(down, "down");
        }

        public static LinkSpec symmetric(String name, LinkProfile both) {
            return new LinkSpec(name, both, both);
        }

        public String toSpec() {
            return name + "=" + (up.equals(down) ? up.toSpec() : up.toSpec() + ":" + down.toSpec());
        }
    }

    private final Map<String, LinkEmulator> links;

    private EmulatedLinks(Map<String, LinkEmulator> links) {
        this.links = Collections.unmodifiableMap(links);
    }

    /**
     * Parses a spec (see the class comment for the grammar).
     *
     * @throws IllegalArgumentException naming the bad link and part, and what was expected
     */
    public static List<LinkSpec> parse(String spec) {
        return SpecParser.parseLinks(spec);
    }

    /** The spec form of {@code links}, which {@link #parse} turns back into equal specs. */
    public static String format(List<LinkSpec> links) {
        return SpecParser.formatLinks(links);
    }

    /** Starts one relay per link, each on its own ephemeral port of 127.0.0.1. */
    public static EmulatedLinks start(InetSocketAddress target, String spec) throws IOException {
        return start(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), target, parse(spec));
    }

    /** Starts one relay per link, each on its own ephemeral port of {@code listenHost}. */
    public static EmulatedLinks start(InetAddress listenHost, InetSocketAddress target, List<LinkSpec> specs)
            throws IOException {
        Objects.requireNonNull(listenHost, "listenHost");
        Map<String, LinkEmulator> started = new LinkedHashMap<>();
        try {
            for (LinkSpec spec : specs) {
                if (started.containsKey(spec.name())) {
                    throw new IllegalArgumentException("link name used twice: " + spec.name());
                }
                started.put(spec.name(),
                        LinkEmulator.start(new InetSocketAddress(listenHost, 0), target, spec.up(), spec.down()));
            }
        } catch (IOException | RuntimeException e) {
            started.values().forEach(LinkEmulator::close);
            throw e;
        }
        return new EmulatedLinks(started);
    }

    /** @throws NoSuchElementException listing the known names */
    public LinkEmulator get(String name) {
        LinkEmulator link = links.get(name);
        if (link == null) {
            throw new NoSuchElementException("no emulated link named '" + name + "'; known: " + links.keySet());
        }
        return link;
    }

    /** In spec order. */
    public Set<String> names() {
        return links.keySet();
    }

    /** Name to relay, in spec order. */
    public Map<String, LinkEmulator> links() {
        return links;
    }

    @Override
    public void close() {
        links.values().forEach(LinkEmulator::close);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("EmulatedLinks[");
        links.forEach((name, link) -> out.append(name).append('=').append(link.localAddress()).append(' '));
        return out.append(']').toString();
    }
}
