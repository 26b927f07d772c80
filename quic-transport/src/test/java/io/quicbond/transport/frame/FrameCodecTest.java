package io.quicbond.transport.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.scheduler.Policy;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    static List<Frame> samples() {
        byte[] session = new byte[16];
        session[3] = 7;
        return List.of(
                new Frame.Hello(1, session, "lte0", "alice", new byte[]{1, 2, 3}),
                new Frame.Welcome(42, true),
                new Frame.Open(5, Frame.Protocol.TCP, new Destination("192.0.2.1", 443), 4 << 20, Policy.AGGREGATE),
                new Frame.Open(6, Frame.Protocol.UDP, new Destination("2001:db8::1", 3478), 0, Policy.REDUNDANT),
                new Frame.Open(7, Frame.Protocol.TCP, new Destination("example.com", 80), 1024, Policy.FAILOVER),
                new Frame.OpenResult(5, null, 4 << 20, ""),
                new Frame.OpenResult(6, FlowError.DENIED, 0, "127.0.0.1 is loopback"),
                new Frame.Data(5, 1L << 33, true, new byte[]{9, 8, 7}),
                new Frame.Data(5, 0, false, new byte[0]),
                new Frame.Ack(5, 100, 200),
                new Frame.Reset(5, FlowError.REFUSED, "connection refused"),
                new Frame.Udp(6, 0xfffffffeL, new byte[]{1}),
                new Frame.Ping(3, 123456789L),
                new Frame.Pong(3, 123456789L),
                new Frame.UplinkGone(2),
                new Frame.UplinkSettings(false, 250, 8_000_000, 0),
                new Frame.UplinkSettings(true, 10_000, 0, Long.MAX_VALUE),
                new Frame.PathAck(0),
                new Frame.PathAck(1L << 40));
    }

    @Test
    void everyFrameSurvivesARoundTripOnAStream() throws Exception {
        for (Frame f : samples()) {
            byte[] bytes = FrameCodec.encode(f);
            Frame back = FrameCodec.decode(bytes);
            assertEquals(describe(f), describe(back), "round trip of " + f);
            assertArrayEquals(bytes, FrameCodec.encode(back));
        }
    }

    @Test
    void everyFrameSurvivesARoundTripAsADatagram() throws Exception {
        for (Frame f : samples()) {
            Frame back = FrameCodec.decodeDatagram(FrameCodec.encodeDatagram(f));
            assertEquals(describe(f), describe(back));
        }
    }

    @Test
    void dataHeaderWrittenInPlaceMatchesTheEncoder() throws Exception {
        byte[] payload = {1, 2, 3, 4};
        byte[] buf = new byte[64];
        int pos = FrameCodec.writeDataHeader(buf, 0, 9, 77, true, payload.length);
        System.arraycopy(payload, 0, buf, pos, payload.length);
        byte[] expected = FrameCodec.encode(new Frame.Data(9, 77, true, payload));
        assertArrayEquals(expected, java.util.Arrays.copyOf(buf, pos + payload.length));
    }

    @Test
    void ipv6AndMappedAddressesAreNormalised() throws Exception {
        Frame.Open open = new Frame.Open(1, Frame.Protocol.TCP, new Destination("[::ffff:127.0.0.1]", 80), 1, Policy.AGGREGATE);
        Frame.Open back = (Frame.Open) FrameCodec.decode(FrameCodec.encode(open));
        assertEquals("127.0.0.1", back.destination().host());
    }

    @Test
    void uplinkSettingsOutsideTheirRangesAreViolations() {
        for (byte[] body : List.of(
                new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},                   // weight 0
                new byte[]{2, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},                 // unknown flag
                new byte[]{1, 0x27, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},            // weight 10001
                new byte[]{1, 0, 100, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) { // negative rate
            byte[] datagram = new byte[1 + body.length];
            datagram[0] = (byte) FrameCodec.UPLINK_SETTINGS;
            System.arraycopy(body, 0, datagram, 1, body.length);
            BondProtocolException e = assertThrows(BondProtocolException.class, () -> FrameCodec.decodeDatagram(datagram));
            assertEquals(ErrorCode.PROTOCOL_VIOLATION, e.code());
        }
    }

    @Test
    void oversizedLengthIsRefusedBeforeAllocating() {
        byte[] bytes = {0x12, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        BondProtocolException e = assertThrows(BondProtocolException.class, () -> FrameCodec.decode(bytes));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void unknownTypeTruncatedBodyAndTrailingBytesAreProtocolViolations() {
        assertThrows(BondProtocolException.class, () -> FrameCodec.decode(new byte[]{0x7e, 0, 0, 0, 0}));
        byte[] ack = FrameCodec.encode(new Frame.Ack(1, 2, 3));
        assertThrows(BondProtocolException.class, () -> FrameCodec.decode(java.util.Arrays.copyOf(ack, ack.length - 1)));
        byte[] longer = java.util.Arrays.copyOf(ack, ack.length + 1);
        longer[4]++; // body length one more than an ACK has
        BondProtocolException e = assertThrows(BondProtocolException.class, () -> FrameCodec.decode(longer));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void domainNamesWithControlCharactersAreRefused() {
        byte[] open = FrameCodec.encode(new Frame.Open(1, Frame.Protocol.TCP, new Destination("abc.example", 80), 1, Policy.AGGREGATE));
        // body: flowId(4) proto(1) type(1) len(1) name...
        open[5 + 4 + 1 + 1 + 1] = 0;
        assertThrows(BondProtocolException.class, () -> FrameCodec.decode(open));
    }

    @Test
    void negativeOffsetsAreRefused() {
        byte[] data = FrameCodec.encode(new Frame.Data(1, 0, false, new byte[1]));
        data[5 + 4] = (byte) 0x80;
        assertInstanceOf(BondProtocolException.class, assertThrows(BondProtocolException.class, () -> FrameCodec.decode(data)));
    }

    /** Mutated valid frames: the decoder either decodes or throws BondProtocolException, nothing else. */
    @Test
    void fuzzedFramesOnlyEverFailCleanly() {
        Random random = new Random(20261125);
        List<byte[]> seeds = samples().stream().map(FrameCodec::encode).toList();
        for (int i = 0; i < 200_000; i++) {
            byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                switch (random.nextInt(3)) {
                    case 0 -> input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                    case 1 -> input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 1));
                    default -> {
                        input = java.util.Arrays.copyOf(input, input.length + 1 + random.nextInt(8));
                        input[input.length - 1] = (byte) random.nextInt(256);
                    }
                }
                if (input.length == 0) {
                    break;
                }
            }
            byte[] candidate = input;
            try {
                FrameCodec.decode(candidate);
                FrameCodec.decodeDatagram(candidate);
            } catch (BondProtocolException expected) {
                // clean refusal
            } catch (RuntimeException e) {
                throw new AssertionError("decoder threw " + e + " for " + java.util.HexFormat.of().formatHex(candidate), e);
            }
        }
    }

    private static String describe(Frame f) {
        return switch (f) {
            case Frame.Hello h -> "Hello" + h.version() + java.util.Arrays.toString(h.sessionId()) + h.uplinkName() + h.user()
                    + java.util.Arrays.toString(h.secret());
            case Frame.Data d -> "Data" + d.flowId() + "@" + d.offset() + d.fin() + java.util.Arrays.toString(d.payload());
            case Frame.Udp u -> "Udp" + u.flowId() + "#" + u.sequence() + java.util.Arrays.toString(u.payload());
            default -> f.toString();
        };
    }
}
