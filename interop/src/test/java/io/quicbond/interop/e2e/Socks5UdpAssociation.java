package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A SOCKS5 UDP ASSOCIATE made by hand from a test (RFC 1928 sections 4, 6 and 7), no authentication, to send
 * datagrams to an IPv4 loopback port through a proxy. The association lasts as long as its control connection:
 * close it when done. Called from the test thread; fails the test when the proxy refuses.
 */
final class Socks5UdpAssociation implements AutoCloseable {
    private final Socket control;
    private final InetAddress relayHost;
    private final int relayPort;

    private Socks5UdpAssociation(Socket control, InetAddress relayHost, int relayPort) {
        this.control = control;
        this.relayHost = relayHost;
        this.relayPort = relayPort;
    }

    /** Associates through the proxy on loopback {@code socksPort}, telling it our datagrams come from {@code udpPort}. */
    static Socks5UdpAssociation open(int socksPort, int udpPort) throws IOException {
        Socket control = new Socket(InetAddress.getLoopbackAddress(), socksPort);
        try {
            OutputStream out = control.getOutputStream();
            DataInputStream in = new DataInputStream(control.getInputStream());
            out.write(new byte[]{5, 1, 0});
            assertArrayEquals(new byte[]{5, 0}, in.readNBytes(2));
            // UDP ASSOCIATE, telling the proxy where our datagrams will come from (RFC 1928 section 4)
            ByteBuffer req = ByteBuffer.allocate(10).put(new byte[]{5, 3, 0, 1}).put(new byte[]{127, 0, 0, 1})
                    .putShort((short) udpPort);
            out.write(req.array());
            byte[] reply = in.readNBytes(10);
            assertEquals(0, reply[1], "UDP ASSOCIATE succeeded");
            InetAddress host = InetAddress.getByAddress(Arrays.copyOfRange(reply, 4, 8));
            int port = ((reply[8] & 0xff) << 8) | (reply[9] & 0xff);
            return new Socks5UdpAssociation(control, host, port);
        } catch (IOException | RuntimeException | Error e) {
            control.close();
            throw e;
        }
    }

    /** The relay's address as the proxy's reply gave it. */
    InetAddress relayHost() {
        return relayHost;
    }

    int relayPort() {
        return relayPort;
    }

    /** {@code payload} for 127.0.0.1:{@code port}, with the SOCKS5 UDP request header (RFC 1928 section 7). */
    static byte[] toLoopback(int port, byte[] payload) {
        return ByteBuffer.allocate(10 + payload.length).put(new byte[]{0, 0, 0, 1, 127, 0, 0, 1}).putShort((short) port)
                .put(payload).array();
    }

    /** The payload of a datagram from the relay, after its 10-byte IPv4 header. */
    static byte[] payloadOf(DatagramPacket fromRelay) {
        return Arrays.copyOfRange(fromRelay.getData(), 10, fromRelay.getLength());
    }

    @Override
    public void close() throws IOException {
        control.close();
    }
}
