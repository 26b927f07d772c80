package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.socks5.Socks5Message.CommandRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandResponse;
import io.quicbond.client.ingress.socks5.Socks5Message.Greeting;
import io.quicbond.client.ingress.socks5.Socks5Message.PasswordRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.UdpPacket;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Socks5DecoderTest {

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static ByteArrayInputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    @Test
    void greetingRoundTrips() throws Exception {
        byte[] wire = bytes(5, 2, 0x00, 0x02);
        Greeting greeting = Socks5Decoder.readGreeting(in(wire));
        assertEquals(List.of(0x00, 0x02), greeting.methods());
        assertArrayEquals(wire, greeting.encode());
    }

    @Test
    void passwordRequestRoundTrips() throws Exception {
        byte[] wire = concat(bytes(1, 5), "alice".getBytes(StandardCharsets.US_ASCII), bytes(6),
                "s3cret".getBytes(StandardCharsets.US_ASCII));
        PasswordRequest request = Socks5Decoder.readPasswordRequest(in(wire));
        assertEquals(new PasswordRequest("alice", "s3cret"), request);
        assertArrayEquals(wire, request.encode());
    }

    @Test
    void connectToIpv4RoundTrips() throws Exception {
        byte[] wire = bytes(5, 1, 0, 1, 192, 0, 2, 7, 0x1F, 0x90);
        CommandRequest request = Socks5Decoder.readCommandRequest(in(wire));
        assertEquals(new CommandRequest(Socks5Command.CONNECT, new Destination("192.0.2.7", 8080)), request);
        assertEquals(Destination.Kind.IPV4, request.destination().kind());
        assertArrayEquals(wire, request.encode());
    }

    @Test
    void connectToIpv6RoundTrips() throws Exception {
        byte[] wire = bytes(5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xBB);
        CommandRequest request = Socks5Decoder.readCommandRequest(in(wire));
        assertEquals(Destination.Kind.IPV6, request.destination().kind());
        assertEquals("[2001:db8::1]:443", request.destination().toString());
        assertArrayEquals(wire, request.encode());
    }

    @Test
    void connectToDomainRoundTrips() throws Exception {
        byte[] wire = concat(bytes(5, 1, 0, 3, 11), "example.com".getBytes(StandardCharsets.US_ASCII), bytes(0, 80));
        CommandRequest request = Socks5Decoder.readCommandRequest(in(wire));
        assertEquals(new CommandRequest(Socks5Command.CONNECT, new Destination("example.com", 80)), request);
        assertArrayEquals(wire, request.encode());
    }

    @Test
    void udpAssociateRoundTrips() throws Exception {
        byte[] wire = bytes(5, 3, 0, 1, 0, 0, 0, 0, 0, 0);
        CommandRequest request = Socks5Decoder.readCommandRequest(in(wire));
        assertEquals(new CommandRequest(Socks5Command.UDP_ASSOCIATE, new Destination("0.0.0.0", 0)), request);
        assertArrayEquals(wire, request.encode());
    }

    @Test
    void responseRoundTrips() throws Exception {
        byte[] wire = bytes(5, 0, 0, 1, 127, 0, 0, 1, 0x30, 0x39);
        CommandResponse response = Socks5Decoder.readCommandResponse(in(wire));
        assertEquals(new CommandResponse(Socks5Reply.SUCCEEDED, new Destination("127.0.0.1", 12345)), response);
        assertArrayEquals(wire, response.encode());
    }

    @Test
    void decoderStopsAtTheEndOfItsMessage() throws Exception {
        var stream = in(bytes(5, 1, 0x00, 5, 1, 0, 1, 10, 0, 0, 1, 0, 22));
        Socks5Decoder.readGreeting(stream);
        assertEquals(new Destination("10.0.0.1", 22), Socks5Decoder.readCommandRequest(stream).destination());
        assertEquals(-1, stream.read());
    }

    @Test
    void udpDatagramsRoundTripForEveryAddressType() throws Exception {
        byte[] payload = "dns query".getBytes(StandardCharsets.US_ASCII);
        List<byte[]> wires = List.of(
                concat(bytes(0, 0, 0, 1, 8, 8, 4, 4, 0, 53), payload),
                concat(bytes(0, 0, 0, 4, 0x26, 0x06, 0x47, 0, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11, 0, 53),
                        payload),
                concat(bytes(0, 0, 0, 3, 7), "dns.lan".getBytes(StandardCharsets.US_ASCII), bytes(0, 53), payload));
        List<String> destinations = List.of("8.8.4.4:53", "[2606:4700:4700::1111]:53", "dns.lan:53");
        for (int i = 0; i < wires.size(); i++) {
            byte[] framed = concat(bytes(9, 9), wires.get(i), bytes(9)); // decode from the middle of a buffer
            UdpPacket packet = Socks5Decoder.decodeUdpPacket(framed, 2, wires.get(i).length);
            assertEquals(destinations.get(i), packet.destination().toString());
            assertArrayEquals(payload, packet.payload());
            assertArrayEquals(wires.get(i), packet.encode());
        }
    }

    @Test
    void emptyUdpPayloadIsAllowed() throws Exception {
        byte[] wire = bytes(0, 0, 0, 1, 1, 2, 3, 4, 0, 9);
        assertEquals(0, Socks5Decoder.decodeUdpPacket(wire, 0, wire.length).payload().length);
    }

    @Test
    void fragmentedDatagramIsRejected() {
        byte[] wire = bytes(0, 0, 1, 1, 1, 2, 3, 4, 0, 9, 42);
        assertThrows(Socks5Exception.class, () -> Socks5Decoder.decodeUdpPacket(wire, 0, wire.length));
    }

    @Test
    void unknownCommandAsksForReply07() {
        var e = assertThrows(Socks5Exception.class,
                () -> Socks5Decoder.readCommandRequest(in(bytes(5, 9, 0, 1, 1, 2, 3, 4, 0, 80))));
        assertEquals(Socks5Reply.COMMAND_NOT_SUPPORTED, e.reply());
        assertEquals(0x07, e.reply().code);
    }

    @Test
    void unknownAddressTypeAsksForReply08() {
        var e = assertThrows(Socks5Exception.class,
                () -> Socks5Decoder.readCommandRequest(in(bytes(5, 1, 0, 2, 1, 2, 3, 4, 0, 80))));
        assertEquals(0x08, e.reply().code);
    }

    @Test
    void malformedMessagesAreRejectedWithTheCodecsOwnException() {
        List<byte[]> commands = List.of(
                bytes(4, 1, 0, 1, 1, 2, 3, 4, 0, 80),                          // SOCKS4
                bytes(5, 1, 0, 1, 1, 2, 3),                                    // truncated address
                bytes(5, 1, 0, 3, 0, 0, 80),                                   // empty domain
                concat(bytes(5, 1, 0, 3, 4), "a b.".getBytes(StandardCharsets.US_ASCII), bytes(0, 80)),
                concat(bytes(5, 1, 0, 3, 3), "a:b".getBytes(StandardCharsets.US_ASCII), bytes(0, 80)),
                concat(bytes(5, 1, 0, 3, 9), "010.0.0.1".getBytes(StandardCharsets.US_ASCII), bytes(0, 80)),
                bytes());
        for (byte[] wire : commands) {
            assertThrows(Socks5Exception.class, () -> Socks5Decoder.readCommandRequest(in(wire)));
        }
        assertThrows(Socks5Exception.class, () -> Socks5Decoder.readGreeting(in(bytes(5, 0))));
        assertThrows(Socks5Exception.class, () -> Socks5Decoder.readGreeting(in(bytes(5, 3, 0))));
        assertThrows(Socks5Exception.class,
                () -> Socks5Decoder.readPasswordRequest(in(bytes(1, 1, 0xC3, 1, 0x61)))); // not UTF-8
    }

    @Test
    void flowErrorsMapOntoReplyCodes() {
        assertEquals(0x05, Socks5Reply.forFlowError(FlowError.REFUSED).code);
        assertEquals(0x02, Socks5Reply.forFlowError(FlowError.DENIED).code);
        assertEquals(0x04, Socks5Reply.forFlowError(FlowError.UNREACHABLE).code);
        assertEquals(0x04, Socks5Reply.forFlowError(FlowError.DNS_FAILED).code);
        assertEquals(0x04, Socks5Reply.forFlowError(FlowError.TIMED_OUT).code);
        assertEquals(0x03, Socks5Reply.forFlowError(FlowError.BOND_LOST).code);
        assertEquals(0x01, Socks5Reply.forFlowError(FlowError.LIMIT).code);
        assertEquals(0x01, Socks5Reply.forFlowError(FlowError.INTERNAL).code);
    }
}
