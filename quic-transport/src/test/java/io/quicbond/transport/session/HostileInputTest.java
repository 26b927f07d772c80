package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.kwik.KwikEngine;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.tls.CertificatePin;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer that logs in and then sends garbage loses its own connection, with a reason; nobody else notices. */
class HostileInputTest {

    private static QuicLink rawConnection(LoopbackBond bond) throws Exception {
        return new KwikEngine().connect(new ClientLinkSpec(bond.server.localAddress(), null, null, FrameCodec.ALPN,
                CertificatePin.pinningTrustManager(CertificatePin.of(LoopbackBond.identity().certificate())), "localhost",
                Duration.ofSeconds(10), Duration.ofSeconds(10), 1 << 20));
    }

    private static long awaitCloseCode(QuicLink link) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (link.peerCloseCode() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return link.peerCloseCode();
    }

    @Test
    @Timeout(60)
    void aMalformedFrameAfterLoginClosesOnlyThatConnectionWithProtocolViolation() throws Exception {
        try (LoopbackBond bond = new LoopbackBond(1, BondSettings.defaults());
             ServerSocket echo = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (Exception ignored) {
                    // test over
                }
            });
            TcpFlow healthy = bond.client.openTcp(new Destination("127.0.0.1", echo.getLocalPort()));

            QuicLink hostile = rawConnection(bond);
            LinkStream stream = hostile.openStream();
            OutputStream out = stream.output();
            out.write(FrameCodec.encode(new Frame.Hello(FrameCodec.VERSION, new byte[16], "evil", LoopbackBond.USER,
                    LoopbackBond.SECRET)));
            Frame welcome = FrameCodec.read(new DataInputStream(stream.input()));
            assertInstanceOf(Frame.Welcome.class, welcome);
            out.write(new byte[]{0x7e, 0, 0, 0, 3, 1, 2, 3}); // an unknown frame type
            assertEquals(ErrorCode.PROTOCOL_VIOLATION.code(), awaitCloseCode(hostile));

            // The legitimate client's flow, in another session of the same user, carries on.
            byte[] ping = "still here".getBytes();
            healthy.output().write(ping);
            byte[] back = healthy.input().readNBytes(ping.length);
            assertArrayEquals(ping, back);
            healthy.close();
        }
    }

    @Test
    @Timeout(60)
    void aConnectionThatNeverLogsInIsClosedAsSilentNotAsAWrongSecret() throws Exception {
        try (LoopbackBond bond = new LoopbackBond(1, BondSettings.defaults())) {
            QuicLink silent = rawConnection(bond);
            silent.openStream(); // a HELLO that never comes, as when the link fails right after the handshake
            long code = awaitCloseCode(silent);
            assertEquals(ErrorCode.LINK_SILENT.code(), code,
                    "AUTH_FAILED would make the client wait 30 s as if its secret were wrong");
        }
    }

    @Test
    @Timeout(60)
    void garbageInsteadOfHelloIsRefusedWithoutASession() throws Exception {
        try (LoopbackBond bond = new LoopbackBond(1, BondSettings.defaults())) {
            int sessionsBefore = bond.server.status().size();
            QuicLink hostile = rawConnection(bond);
            LinkStream stream = hostile.openStream();
            stream.output().write(new byte[]{0x12, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}); // a 2 GB "DATA"
            long code = awaitCloseCode(hostile);
            assertEquals(ErrorCode.PROTOCOL_VIOLATION.code(), code, "the login step refuses a frame that is not HELLO");
            assertEquals(sessionsBefore, bond.server.status().size(), "no session for a connection that never logged in");
        }
    }
}
