package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static io.quicbond.transport.compat.vless.VlessCodecTest.USER;
import static io.quicbond.transport.compat.vless.VlessCodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of valid headers and frames: each decoder either decodes (and the message re-encodes to bytes that
 * decode to the same message), waits for more input, or throws {@link VlessProtocolException}; never anything else,
 * and a byte-at-a-time decoder always agrees with a whole-input one.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VlessFuzzTest {
    private static final int CASES = 5_000;

    @FunctionalInterface
    interface Encoder<T> {
        byte[] encode(T message);
    }

    private static <T> void fuzz(long seed, List<byte[]> seeds, Supplier<VlessDecoder<T>> decoders, Encoder<T> encoder) {
        Random random = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                List<T> messages = VlessCodecTest.decodeBothWays(decoders, input);
                for (T m : messages) {
                    VlessDecoder<T> again = decoders.get();
                    again.feed(encoder.encode(m));
                    T back = again.next();
                    if (m instanceof byte[] a) {
                        assertEquals(HexFormat.of().formatHex(a), HexFormat.of().formatHex((byte[]) back));
                    } else {
                        assertEquals(m, back);
                    }
                }
            } catch (VlessProtocolException expected) {
                // clean rejection
            } catch (Throwable t) {
                fail("case " + i + " of seed " + seed + ", input " + HexFormat.of().formatHex(input) + ": " + t, t);
            }
        }
    }

    static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        for (int round = 1 + random.nextInt(4); round > 0; round--) {
            int at = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    if (b.length > 0) {
                        b[at] = new byte[] {0, 1, 2, 3, 4, (byte) 0x7f, (byte) 0xff}[random.nextInt(7)];
                    }
                }
                case 2 -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                case 3 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
                case 4 -> {
                    byte[] twice = Arrays.copyOf(b, b.length * 2);
                    System.arraycopy(b, 0, twice, b.length, b.length);
                    b = twice;
                }
                default -> {
                    if (b.length > 0) {
                        b[at] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        return b;
    }

    @Test
    void requestDecoderOnlyEverThrowsVlessProtocolException() {
        List<byte[]> seeds = List.of(
                VlessRequest.tcp(USER, new Destination("192.0.2.7", 443)).encode(),
                VlessRequest.udp(USER, new Destination("2001:db8::1", 53)).encode(),
                VlessRequest.tcp(USER, new Destination("example.com", 80)).encode(),
                VlessRequest.mux(USER).encode());
        fuzz(11, seeds, VlessRequest::decoder, VlessRequest::encode);
    }

    @Test
    void udpPacketDecoderOnlyEverThrowsVlessProtocolException() {
        fuzz(12, List.of(hex("0004 70696e67 0000 0001 21")), VlessUdpPackets::decoder, VlessUdpPackets::encode);
    }

    @Test
    void muxDecoderOnlyEverThrowsVlessProtocolException() {
        List<byte[]> seeds = List.of(
                hex("0014 0000 01 01 02 0035 01 c0000235 0102030405060708 0002 6869"),
                hex("000c 0000 02 01 02 0050 01 c0000250 0001 21 0004 0000 04 00"),
                MuxFrame.newSession(9, MuxFrame.Network.TCP, new Destination("example.com", 443), null).encode(),
                MuxFrame.newSession(9, MuxFrame.Network.TCP, new Destination("2001:db8::9", 443), new byte[3]).encode(),
                MuxFrame.end(9, false).encode());
        fuzz(13, seeds, MuxFrame::decoder, MuxFrame::encode);
    }

    @Test
    void responseDecoderOnlyEverThrowsVlessProtocolException() {
        fuzz(14, List.of(hex("0000"), hex("0002aabb")), VlessResponse::decoder, v -> VlessResponse.encode());
    }
}
