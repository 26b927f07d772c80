package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlessCodecTest {

    static final UUID USER = UUID.fromString("b831381d-6324-4d53-ad4f-8cda48b30811");
    static final String USER_HEX = "b831381d63244d53ad4f8cda48b30811";

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** Every message decoded from {@code bytes} fed in one piece, and again one byte at a time: both must agree. */
    static <T> List<T> decodeBothWays(java.util.function.Supplier<VlessDecoder<T>> decoders, byte[] bytes)
            throws VlessProtocolException {
        List<T> whole = new ArrayList<>();
        VlessDecoder<T> d = decoders.get();
        d.feed(bytes);
        for (T m; (m = d.next()) != null; ) {
            whole.add(m);
        }
        List<T> byteWise = new ArrayList<>();
        VlessDecoder<T> e = decoders.get();
        for (byte b : bytes) {
            e.feed(new byte[] {b});
            for (T m; (m = e.next()) != null; ) {
                byteWise.add(m);
            }
        }
        assertEquals(whole.size(), byteWise.size(), "message count, whole vs. byte-wise");
        for (int i = 0; i < whole.size(); i++) {
            if (whole.get(i) instanceof byte[] a) {
                assertArrayEquals(a, (byte[]) byteWise.get(i));
            } else {
                assertEquals(whole.get(i), byteWise.get(i));
            }
        }
        assertEquals(d.buffered(), e.buffered());
        return whole;
    }

    @Test
    void tcpRequestToAnIpv4AddressHasTheSpecifiedBytes() throws Exception {
        VlessRequest request = VlessRequest.tcp(USER, new Destination("192.0.2.7", 443));
        byte[] expected = hex("00" + USER_HEX + "00 01 01bb 01 c0000207");
        assertArrayEquals(expected, request.encode());
        assertEquals(List.of(request), decodeBothWays(VlessRequest::decoder, expected));
    }

    @Test
    void udpRequestToAnIpv6AddressRoundTrips() throws Exception {
        VlessRequest request = VlessRequest.udp(USER, new Destination("2001:db8::1", 53));
        byte[] expected = hex("00" + USER_HEX + "00 02 0035 03 20010db8000000000000000000000001");
        assertArrayEquals(expected, request.encode());
        assertEquals(List.of(request), decodeBothWays(VlessRequest::decoder, expected));
    }

    @Test
    void tcpRequestToADomainRoundTrips() throws Exception {
        VlessRequest request = VlessRequest.tcp(USER, new Destination("example.com", 80));
        byte[] expected = hex("00" + USER_HEX + "00 01 0050 02 0b 6578616d706c652e636f6d");
        assertArrayEquals(expected, request.encode());
        assertEquals(List.of(request), decodeBothWays(VlessRequest::decoder, expected));
    }

    @Test
    void muxRequestCarriesNoAddress() throws Exception {
        VlessRequest request = VlessRequest.mux(USER);
        byte[] expected = hex("00" + USER_HEX + "00 03");
        assertArrayEquals(expected, request.encode());
        assertEquals(List.of(request), decodeBothWays(VlessRequest::decoder, expected));
    }

    @Test
    void addonsAreAcceptedAndIgnored() throws Exception {
        byte[] withAddons = hex("00" + USER_HEX + "03 0a0178 01 0050 01 7f000001");
        assertEquals(List.of(VlessRequest.tcp(USER, new Destination("127.0.0.1", 80))),
                decodeBothWays(VlessRequest::decoder, withAddons));
    }

    @Test
    void bytesAfterTheHeaderStayInTheDecoder() throws Exception {
        VlessDecoder<VlessRequest> d = VlessRequest.decoder();
        d.feed(hex("00" + USER_HEX + "00 01 0050 01 7f000001 474554"));
        assertEquals(VlessRequest.tcp(USER, new Destination("127.0.0.1", 80)), d.next());
        assertArrayEquals("GET".getBytes(), d.drain());
    }

    @Test
    void wrongVersionUnknownCommandAndUnknownAddressTypeAreRefused() {
        for (String bad : List.of("01" + USER_HEX + "00 01 0050 01 7f000001",
                "00" + USER_HEX + "00 04 0050 01 7f000001",
                "00" + USER_HEX + "00 01 0050 04 7f000001",
                "00" + USER_HEX + "00 01 0050 02 00",
                "00" + USER_HEX + "00 01 0050 02 03 612f62")) {
            VlessDecoder<VlessRequest> d = VlessRequest.decoder();
            d.feed(hex(bad));
            assertThrows(VlessProtocolException.class, d::next, bad);
        }
    }

    @Test
    void truncatedHeaderIsIncompleteAndEndsInEofFromAStream() throws Exception {
        byte[] full = VlessRequest.tcp(USER, new Destination("example.com", 80)).encode();
        for (int cut = 0; cut < full.length; cut++) {
            VlessDecoder<VlessRequest> d = VlessRequest.decoder();
            d.feed(full, 0, cut);
            assertNull(d.next(), "cut at " + cut);
        }
        byte[] cut = java.util.Arrays.copyOf(full, 10);
        assertThrows(EOFException.class, () -> VlessRequest.decoder().read(new ByteArrayInputStream(cut)));
    }

    @Test
    void responseIsTwoZeroBytesAndItsAddonsAreSkipped() throws Exception {
        assertArrayEquals(hex("0000"), VlessResponse.encode());
        VlessDecoder<Integer> d = VlessResponse.decoder();
        d.feed(hex("00 02 aabb 68 69"));
        assertEquals(0, d.next());
        assertArrayEquals("hi".getBytes(), d.drain());
        VlessDecoder<Integer> bad = VlessResponse.decoder();
        bad.feed(hex("0100"));
        assertThrows(VlessProtocolException.class, bad::next);
    }

    @Test
    void udpPacketsAreLengthPrefixedAndSplitAcrossReads() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(VlessUdpPackets.encode("ping".getBytes()));
        stream.writeBytes(VlessUdpPackets.encode(new byte[0]));
        stream.writeBytes(VlessUdpPackets.encode(new byte[65535]));
        assertArrayEquals(hex("0004 70696e67"), java.util.Arrays.copyOf(stream.toByteArray(), 6));
        List<byte[]> packets = decodeBothWays(VlessUdpPackets::decoder, stream.toByteArray());
        assertEquals(3, packets.size());
        assertArrayEquals("ping".getBytes(), packets.get(0));
        assertEquals(0, packets.get(1).length);
        assertEquals(65535, packets.get(2).length);
        assertThrows(IllegalArgumentException.class, () -> VlessUdpPackets.encode(new byte[65536]));
    }

    @Test
    void muxNewFramesForTcpToEveryAddressTypeRoundTrip() throws Exception {
        for (Destination target : List.of(new Destination("192.0.2.7", 443), new Destination("2001:db8::7", 443),
                new Destination("example.com", 443))) {
            MuxFrame frame = MuxFrame.newSession(7, MuxFrame.Network.TCP, target, "hello".getBytes());
            assertEquals(List.of(frame), decodeBothWays(MuxFrame::decoder, frame.encode()), target.toString());
        }
        assertArrayEquals(hex("000c 0007 01 01 01 01bb 01 c0000207 0002 6869"),
                MuxFrame.newSession(7, MuxFrame.Network.TCP, new Destination("192.0.2.7", 443), "hi".getBytes())
                        .encode());
    }

    @Test
    void xudpFramesAsXrayWritesThemDecode() throws Exception {
        // New: session 0, Data, UDP to 192.0.2.53:53, global id; then a Keep naming another destination.
        byte[] stream = hex("0014 0000 01 01 02 0035 01 c0000235 0102030405060708 0002 6869"
                + "000c 0000 02 01 02 0050 01 c0000250 0001 21"
                + "0004 0000 04 00"
                + "0004 0000 03 02");
        List<MuxFrame> frames = decodeBothWays(MuxFrame::decoder, stream);
        assertEquals(4, frames.size());
        MuxFrame first = frames.get(0);
        assertEquals(MuxFrame.Status.NEW, first.status());
        assertEquals(MuxFrame.Network.UDP, first.network());
        assertEquals(new Destination("192.0.2.53", 53), first.target());
        assertArrayEquals(hex("0102030405060708"), first.globalId());
        assertArrayEquals("hi".getBytes(), first.data());
        assertEquals(MuxFrame.udpPacket(0, new Destination("192.0.2.80", 80), "!".getBytes()), frames.get(1));
        assertEquals(MuxFrame.Status.KEEP_ALIVE, frames.get(2).status());
        assertEquals(MuxFrame.end(0, true), frames.get(3));
        for (MuxFrame f : frames) {
            assertEquals(List.of(f), decodeBothWays(MuxFrame::decoder, f.encode()));
        }
    }

    @Test
    void muxKeepFramesWithPaddingOrSourceAddressesAfterTheFieldsDecode() throws Exception {
        // Keep + a non-UDP byte (padding), and a TCP New with xray's inbound source appended.
        byte[] stream = hex("0006 0003 02 01 0000 0001 41"
                + "0013 0004 01 00 01 0050 01 c0000250 01 1f90 01 0a000001");
        List<MuxFrame> frames = decodeBothWays(MuxFrame::decoder, stream);
        assertEquals(MuxFrame.keep(3, "A".getBytes()), frames.get(0));
        assertEquals(MuxFrame.newSession(4, MuxFrame.Network.TCP, new Destination("192.0.2.80", 80), null),
                frames.get(1));
    }

    @Test
    void badMuxFramesAreRefused() {
        for (String bad : List.of("0201 00", "0003 000102", "0004 0000 09 00", "0008 0000 01 00 03 0050 01 7f",
                "000a 0000 01 00 01 0050 05 7f000001")) {
            VlessDecoder<MuxFrame> d = MuxFrame.decoder();
            d.feed(hex(bad));
            assertThrows(VlessProtocolException.class, d::next, bad);
        }
    }

    /** What Debian's v2ray 4.34 sent to our server in VlessV2rayIT (curl through its SOCKS inbound), verbatim. */
    static final String V2RAY_434_TCP = "006f9e5d2a0b1c4d3e8f709a8b7c6d5e4f000184c302096c6f63616c686f7374"
            + "474554202f62696720485454502f312e310d0a486f73743a206c6f63616c686f73743a33333938370d0a557365722d4167656e"
            + "743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a";
    /** The same v2ray's first bytes for a SOCKS5 UDP ASSOCIATE datagram: command 2, then a length-prefixed packet. */
    static final String V2RAY_434_UDP = "006f9e5d2a0b1c4d3e8f709a8b7c6d5e4f0002cffd017f000001000670696e672030";
    static final UUID V2RAY_USER = UUID.fromString("6f9e5d2a-0b1c-4d3e-8f70-9a8b7c6d5e4f");

    @Test
    void v2ray434TcpRequestWithItsFirstPayloadDecodes() throws Exception {
        VlessDecoder<VlessRequest> d = VlessRequest.decoder();
        d.feed(hex(V2RAY_434_TCP));
        assertEquals(VlessRequest.tcp(V2RAY_USER, new Destination("localhost", 33987)), d.next());
        assertEquals("GET /big HTTP/1.1", new String(d.drain()).lines().findFirst().orElseThrow());
        assertEquals(List.of(VlessRequest.tcp(V2RAY_USER, new Destination("localhost", 33987))),
                decodeBothWays(VlessRequest::decoder, java.util.Arrays.copyOf(hex(V2RAY_434_TCP), 32)));
    }

    @Test
    void v2ray434UdpRequestIsCommandTwoWithLengthPrefixedPackets() throws Exception {
        VlessDecoder<VlessRequest> d = VlessRequest.decoder();
        d.feed(hex(V2RAY_434_UDP));
        assertEquals(VlessRequest.udp(V2RAY_USER, new Destination("127.0.0.1", 53245)), d.next());
        VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
        packets.feed(d.drain());
        assertArrayEquals("ping 0".getBytes(), packets.next());
        assertNull(packets.next());
    }

    /** v2ray 4.34 with "mux": {"enabled": true}: command 3, then a New TCP frame carrying curl's request. */
    static final String V2RAY_434_MUX = "006f9e5d2a0b1c4d3e8f709a8b7c6d5e4f0003"
            + "001200010101019cd702096c6f63616c686f7374"
            + "0052474554202f62696720485454502f312e310d0a486f73743a206c6f63616c686f73743a34303135310d0a557365722d41"
            + "67656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a";

    @Test
    void v2ray434MuxRequestAndItsFirstFrameDecode() throws Exception {
        VlessDecoder<VlessRequest> d = VlessRequest.decoder();
        d.feed(hex(V2RAY_434_MUX));
        assertEquals(VlessRequest.mux(V2RAY_USER), d.next());
        List<MuxFrame> frames = decodeBothWays(MuxFrame::decoder, d.drain());
        assertEquals(1, frames.size());
        MuxFrame first = frames.getFirst();
        assertEquals(1, first.sessionId());
        assertEquals(MuxFrame.Status.NEW, first.status());
        assertEquals(MuxFrame.Network.TCP, first.network());
        assertEquals(new Destination("localhost", 40151), first.target());
        assertTrue(new String(first.data()).startsWith("GET /big HTTP/1.1"));
    }
}
