package io.quicbond.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real TLS 1.3 handshake over loopback with the JDK's TLS: the generated key material works, and pins decide. */
class PinnedTlsHandshakeTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    private final ServerIdentity identity = ServerIdentity.generate(List.of("bond.example.net"));
    private SSLServerSocket serverSocket;
    private CompletableFuture<String> served;

    @BeforeEach
    void startServer() throws Exception {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(identity.toKeyStore("bond", PASSWORD), PASSWORD);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keyManagers.getKeyManagers(), null, null);
        serverSocket = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        serverSocket.setEnabledProtocols(new String[] {"TLSv1.3"});
        served = CompletableFuture.supplyAsync(() -> {
            try (SSLSocket socket = (SSLSocket) serverSocket.accept()) {
                socket.setSoTimeout(10_000);
                String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                OutputStream out = socket.getOutputStream();
                out.write(("echo " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return socket.getSession().getProtocol();
            } catch (Exception e) {
                return "failed: " + e;
            }
        }, Thread::startVirtualThread);
    }

    @AfterEach
    void stopServer() throws Exception {
        serverSocket.close();
    }

    @Test
    void handshakeSucceedsWithTheRightPin() throws Exception {
        try (SSLSocket client = connect(CertificatePin.parse(identity.pin()))) {
            client.startHandshake();
            assertEquals("TLSv1.3", client.getSession().getProtocol());
            assertArrayEquals(identity.certificate().getEncoded(), client.getSession().getPeerCertificates()[0].getEncoded());
            client.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            client.getOutputStream().flush();
            String reply = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertEquals("echo hello", reply);
        }
        assertEquals("TLSv1.3", served.get(10, TimeUnit.SECONDS));
    }

    @Test
    void handshakeFailsWithAnotherServersPin() throws Exception {
        String otherPin = ServerIdentity.generate(List.of("bond.example.net")).pin();
        try (SSLSocket client = connect(CertificatePin.parse(otherPin))) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, client::startHandshake);
            Throwable cause = rootCause(e);
            assertInstanceOf(CertificateException.class, cause);
            assertEquals("certificate pin mismatch: expected " + otherPin + ", got " + identity.pin(), cause.getMessage());
        }
        String serverSide = served.get(10, TimeUnit.SECONDS);
        assertNotNull(serverSide);
        assertTrue(serverSide.startsWith("failed:"), serverSide);
    }

    private SSLSocket connect(CertificatePin pin) throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, new TrustManager[] {CertificatePin.pinningTrustManager(pin)}, null);
        SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket();
        client.connect(new InetSocketAddress(serverSocket.getInetAddress(), serverSocket.getLocalPort()), 10_000);
        client.setSoTimeout(10_000);
        client.setEnabledProtocols(new String[] {"TLSv1.3"});
        // Host name checking is on and the name does not match the certificate: the pin alone must decide.
        SSLParameters parameters = client.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        client.setSSLParameters(parameters);
        return client;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
