package io.quicbond.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerIdentityTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void generatesSelfSignedP256ServerCertificate() throws Exception {
        ServerIdentity identity = ServerIdentity.generate(
                List.of("bond.example.net", "*.example.org", "203.0.113.7", "2001:db8::1"), InstantSource.fixed(NOW));
        X509Certificate cert = identity.certificate();

        assertEquals(3, cert.getVersion());
        assertEquals("CN=quicbond server", cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey());
        assertEquals("SHA256withECDSA", cert.getSigAlgName());

        ECParameterSpec p256 = p256();
        ECPublicKey publicKey = (ECPublicKey) cert.getPublicKey();
        assertEquals(p256.getCurve(), publicKey.getParams().getCurve());
        assertEquals(p256.getOrder(), publicKey.getParams().getOrder());
        assertEquals(p256.getOrder(), ((ECPrivateKey) identity.privateKey()).getParams().getOrder());

        assertEquals(NOW.minusSeconds(3600), cert.getNotBefore().toInstant());
        assertEquals(NOW.minusSeconds(3600).atOffset(ZoneOffset.UTC).plusYears(10).toInstant(),
                cert.getNotAfter().toInstant());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage());
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertTrue(cert.getSerialNumber().signum() > 0);

        Set<List<?>> sans = new HashSet<>(cert.getSubjectAlternativeNames());
        assertEquals(Set.of(List.of(2, "bond.example.net"), List.of(2, "*.example.org"),
                List.of(7, "203.0.113.7"), List.of(7, "2001:db8:0:0:0:0:0:1")), sans);
    }

    @Test
    void noNamesMeansNoSubjectAltName() throws Exception {
        X509Certificate cert = ServerIdentity.generate(List.of()).certificate();
        assertEquals(null, cert.getSubjectAlternativeNames());
    }

    @Test
    void rejectsNamesThatAreNeitherHostNamesNorAddresses() {
        for (String bad : List.of("", "bad name", "exa mple.com", "-leading.example", "a..b", "x".repeat(64) + ".com",
                "bond.example.net/evil", "1.2.3.4:80")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerIdentity.generate(List.of(bad)), bad);
            assertTrue(e.getMessage().contains("subject alternative name") || e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void pinIsSha256OfSubjectPublicKeyInfo() throws Exception {
        ServerIdentity identity = ServerIdentity.generate(List.of("localhost"));
        byte[] spki = new X509CertificateHolder(identity.certificate().getEncoded()).getSubjectPublicKeyInfo().getEncoded();
        String expected = "sha256/" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));

        assertEquals(expected, identity.pin());
        assertTrue(identity.pin().matches("sha256/[A-Za-z0-9+/]{43}="), identity.pin());
        assertEquals(identity.pin(), identity.pin());
        assertNotEquals(identity.pin(), ServerIdentity.generate(List.of("localhost")).pin(), "fresh key, fresh pin");
    }

    @Test
    void writesPemFilesAndReadsThemBack() throws Exception {
        ServerIdentity identity = ServerIdentity.generate(List.of("bond.example.net", "192.0.2.1"));
        Path target = dir.resolve("identity");
        identity.writeTo(target);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("key.pem"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("cert.pem"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        String key = Files.readString(target.resolve("key.pem"));
        assertTrue(key.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8: " + key);
        assertTrue(Files.readString(target.resolve("cert.pem")).startsWith("-----BEGIN CERTIFICATE-----"));
        try (var files = Files.list(target)) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }

        ServerIdentity loaded = ServerIdentity.load(target);
        assertArrayEquals(identity.certificate().getEncoded(), loaded.certificate().getEncoded());
        assertArrayEquals(identity.privateKey().getEncoded(), loaded.privateKey().getEncoded());
        assertEquals(identity.pin(), loaded.pin());
    }

    @Test
    void rewritingReplacesFilesAndKeepsKeyPrivate() throws Exception {
        ServerIdentity first = ServerIdentity.generate(List.of("a.example"));
        ServerIdentity second = ServerIdentity.generate(List.of("b.example"));
        first.writeTo(dir);
        Files.setPosixFilePermissions(dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-rw-rw-"));
        second.writeTo(dir);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("key.pem"))));
        assertEquals(second.pin(), ServerIdentity.load(dir).pin());
    }

    @Test
    void loadRejectsKeyOfAnotherIdentity() throws Exception {
        ServerIdentity.generate(List.of("a.example")).writeTo(dir);
        Path other = dir.resolve("other");
        ServerIdentity.generate(List.of("b.example")).writeTo(other);
        Files.copy(other.resolve("key.pem"), dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        IOException e = assertThrows(IOException.class, () -> ServerIdentity.load(dir));
        assertTrue(e.getMessage().contains("does not hold the private key"), e.getMessage());
    }

    @Test
    void loadNamesTheFileThatIsBroken() throws Exception {
        ServerIdentity.generate(List.of("a.example")).writeTo(dir);
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
        IOException e = assertThrows(IOException.class, () -> ServerIdentity.load(dir));
        assertTrue(e.getMessage().contains("key.pem"), e.getMessage());

        Files.writeString(dir.resolve("cert.pem"), "not pem at all\n");
        e = assertThrows(IOException.class, () -> ServerIdentity.load(dir));
        assertTrue(e.getMessage().contains("cert.pem"), e.getMessage());

        Files.delete(dir.resolve("cert.pem"));
        assertThrows(NoSuchFileException.class, () -> ServerIdentity.load(dir));
    }

    @Test
    void loadOrGenerateCreatesOnceThenLoads() throws Exception {
        ServerIdentity created = ServerIdentity.loadOrGenerate(dir.resolve("tls"), List.of("bond.example.net"));
        ServerIdentity loaded = ServerIdentity.loadOrGenerate(dir.resolve("tls"), List.of("bond.example.net"));
        assertEquals(created.pin(), loaded.pin());
    }

    @Test
    void loadOrGenerateRefusesToReplaceALoneKey() throws Exception {
        ServerIdentity.generate(List.of("a.example")).writeTo(dir);
        Files.delete(dir.resolve("cert.pem"));
        byte[] key = Files.readAllBytes(dir.resolve("key.pem"));

        assertThrows(FileAlreadyExistsException.class, () -> ServerIdentity.loadOrGenerate(dir, List.of("a.example")));
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("key.pem")));
    }

    @Test
    void keyStoreHoldsKeyAndChainUnderAlias() throws Exception {
        ServerIdentity identity = ServerIdentity.generate(List.of("localhost"));
        char[] password = "secret".toCharArray();
        KeyStore store = identity.toKeyStore("bond", password);

        assertEquals("PKCS12", store.getType());
        assertTrue(store.isKeyEntry("bond"));
        Key key = store.getKey("bond", password);
        assertArrayEquals(identity.privateKey().getEncoded(), key.getEncoded());
        Certificate[] chain = store.getCertificateChain("bond");
        assertEquals(1, chain.length);
        assertArrayEquals(identity.certificate().getEncoded(), chain[0].getEncoded());
        assertFalse(store.containsAlias("other"));
    }

    private static ECParameterSpec p256() throws Exception {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        return parameters.getParameterSpec(ECParameterSpec.class);
    }
}
