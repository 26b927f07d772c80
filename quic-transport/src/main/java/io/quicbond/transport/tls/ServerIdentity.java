package io.quicbond.transport.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The bond server's TLS identity: a private key and its certificate chain (normally one self-signed
 * certificate, which clients pin; see {@link CertificatePin}).
 *
 * <p>{@link #generate} makes an EC P-256 (secp256r1) key and a self-signed X.509 v3 certificate: subject
 * {@code CN=quicbond server}, SubjectAltName entries for the given host names and IP addresses, valid for
 * {@value #VALIDITY_YEARS} years from one hour before now (for clients with a slow clock), extended key usage
 * serverAuth. {@link #writeTo} and {@link #load} keep it as two PEM files in a directory: {@value #CERT_FILE}
 * (the chain, leaf first, mode 0644) and {@value #KEY_FILE} (unencrypted PKCS#8, mode 0600). A chain issued by
 * a CA and an RSA or EC key in PKCS#8 or traditional "EC PRIVATE KEY" form are loaded as well.
 *
 * <p>Immutable and thread-safe. For kwik, pass {@link #toKeyStore} with {@link #KEY_CURVE} as the curve
 * argument of {@code ServerConnector.Builder.withKeyStore}.
 */
public final class ServerIdentity {

    /** File name of the certificate chain inside an identity directory. */
    public static final String CERT_FILE = "cert.pem";
    /** File name of the private key inside an identity directory. */
    public static final String KEY_FILE = "key.pem";
    /** The subject of generated certificates. */
    public static final String COMMON_NAME = "quicbond server";
    /** The named curve of generated keys, as JCA and kwik spell it. */
    public static final String KEY_CURVE = "secp256r1";
    /** Lifetime of generated certificates; clients pin the key, so there is no renewal to plan for. */
    public static final int VALIDITY_YEARS = 10;

    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Set<PosixFilePermission> KEY_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERT_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;

    private ServerIdentity(PrivateKey privateKey, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.chain = List.copyOf(chain);
    }

    /** {@link #generate(List, InstantSource)} with the system clock. */
    public static ServerIdentity generate(List<String> subjectAltNames) {
        return generate(subjectAltNames, InstantSource.system());
    }

    /**
     * Generates a fresh key and self-signed certificate.
     *
     * @param subjectAltNames host names (optionally {@code *.} wildcards) and IPv4/IPv6 literals; may be empty,
     *                        then the certificate has no SubjectAltName (pinning clients do not need one)
     * @param clock           the certificate's validity starts one hour before {@code clock.instant()}
     * @throws IllegalArgumentException if a name is neither an IP literal nor a valid DNS name
     * @throws IllegalStateException    if the platform lacks EC P-256 or SHA256withECDSA (never on a standard JDK)
     */
    public static ServerIdentity generate(List<String> subjectAltNames, InstantSource clock) {
        Objects.requireNonNull(subjectAltNames, "subjectAltNames");
        Objects.requireNonNull(clock, "clock");
        GeneralNames altNames = toGeneralNames(subjectAltNames);
        try {
            SecureRandom random = new SecureRandom();
            // The key comes from the JDK's own provider rather than BouncyCastle's, so that JSSE, the PKCS12
            // key store and kwik all handle the same, native key object; BouncyCastle builds the certificate.
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(KEY_CURVE), random);
            KeyPair keyPair = generator.generateKeyPair();

            Instant notBefore = clock.instant().minus(BACKDATE);
            Instant notAfter = notBefore.atOffset(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, COMMON_NAME).build();
            // RFC 5280 4.1.2.2: "The serial number MUST be a positive integer ... no longer than 20 octets";
            // random, so that two generated certificates never share issuer and serial.
            BigInteger serial = new BigInteger(1, randomBytes(random, 16)).setBit(0);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(notBefore), Date.from(notAfter), subject, keyPair.getPublic());
            JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));
            if (altNames.getNames().length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false, altNames);
            }
            X509CertificateHolder holder = builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
            return new ServerIdentity(keyPair.getPrivate(), List.of(certificate));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate an EC " + KEY_CURVE + " server identity", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a certificate extension", e);
        }
    }

    /**
     * Reads {@value #CERT_FILE} and {@value #KEY_FILE} from {@code directory} and checks that the key belongs to
     * the first certificate.
     *
     * @throws NoSuchFileException if either file is missing
     * @throws IOException         if a file cannot be read, is not PEM of the expected kind, or the key does not
     *                             match the certificate; the message names the file
     */
    public static ServerIdentity load(Path directory) throws IOException {
        Path certFile = directory.resolve(CERT_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        List<X509Certificate> chain = readCertificates(certFile);
        PrivateKey key = readPrivateKey(keyFile);
        if (!keyMatches(key, chain.getFirst())) {
            throw new IOException(keyFile + " does not hold the private key of the certificate in " + certFile);
        }
        return new ServerIdentity(key, chain);
    }

    /**
     * Loads the identity in {@code directory}, or, when neither file exists there, generates one and writes it.
     * When only one of the two files exists this fails rather than overwrite a key someone may still need.
     *
     * @throws IOException as for {@link #load} and {@link #writeTo}, or if only one of the files exists
     */
    public static ServerIdentity loadOrGenerate(Path directory, List<String> subjectAltNames) throws IOException {
        boolean certExists = Files.exists(directory.resolve(CERT_FILE));
        boolean keyExists = Files.exists(directory.resolve(KEY_FILE));
        if (certExists && keyExists) {
            return load(directory);
        }
        if (certExists || keyExists) {
            throw new FileAlreadyExistsException(directory.resolve(certExists ? CERT_FILE : KEY_FILE).toString(),
                    null, "found without its " + (certExists ? KEY_FILE : CERT_FILE) + "; refusing to replace it");
        }
        ServerIdentity identity = generate(subjectAltNames);
        identity.writeTo(directory);
        return identity;
    }

    /**
     * Writes {@value #CERT_FILE} (0644) and {@value #KEY_FILE} (0600) into {@code directory}, creating it (0700)
     * if needed and replacing existing files. Each file is written to a temporary file in the same directory and
     * moved into place, so a reader never sees half a file and the key is never readable by others, not even
     * for a moment. On file systems without POSIX permissions the modes are not set.
     *
     * @throws IOException if the directory or a file cannot be written
     */
    public void writeTo(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            if (supportsPosix(directory.toAbsolutePath().getParent())) {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(directory);
            }
        }
        StringWriter key = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(key)) {
            pem.writeObject(new JcaPKCS8Generator(privateKey, null));
        }
        StringWriter certs = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(certs)) {
            for (X509Certificate certificate : chain) {
                pem.writeObject(certificate);
            }
        }
        writeAtomically(directory.resolve(KEY_FILE), key.toString(), KEY_PERMISSIONS);
        writeAtomically(directory.resolve(CERT_FILE), certs.toString(), CERT_PERMISSIONS);
    }

    /**
     * A new in-memory PKCS12 key store holding the key and chain under {@code alias}, protected by
     * {@code password}; each call returns a separate store.
     *
     * @throws IllegalStateException if the platform has no PKCS12 key store (never on a standard JDK)
     */
    public KeyStore toKeyStore(String alias, char[] password) {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(password, "password");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, privateKey, password, chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a PKCS12 key store", e);
        }
    }

    /** The leaf certificate, the one clients pin. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** The whole chain, leaf first; one element for a generated identity. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The leaf's pin, {@code "sha256/" + base64(SHA-256(SubjectPublicKeyInfo))}, for clients' configuration. */
    public String pin() {
        return CertificatePin.of(certificate()).toString();
    }

    private static GeneralNames toGeneralNames(List<String> names) {
        List<GeneralName> result = new ArrayList<>();
        for (String name : names) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("empty subject alternative name");
            }
            String unbracketed = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
            // IPAddress.isValid only parses literals, so no name is ever looked up in DNS here.
            if (IPAddress.isValid(unbracketed)) {
                result.add(new GeneralName(GeneralName.iPAddress, unbracketed));
            } else if (name.length() <= 253 && DNS_NAME.matcher(name).matches()) {
                result.add(new GeneralName(GeneralName.dNSName, name));
            } else {
                throw new IllegalArgumentException("not a host name or IP address: '" + name + "'");
            }
        }
        return new GeneralNames(result.toArray(GeneralName[]::new));
    }

    private static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = readPem(parser, file)) != null) {
                if (!(object instanceof X509CertificateHolder holder)) {
                    throw new IOException(file + ": expected only CERTIFICATE blocks, found "
                            + object.getClass().getSimpleName());
                }
                chain.add(new JcaX509CertificateConverter().getCertificate(holder));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a valid X.509 certificate", e);
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": no CERTIFICATE block found");
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        Object object;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            object = readPem(parser, file);
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        if (object instanceof PrivateKeyInfo info) {
            return converter.getPrivateKey(info);
        }
        if (object instanceof PEMKeyPair pair) {
            return converter.getKeyPair(pair).getPrivate();
        }
        throw new IOException(file + ": expected an unencrypted PRIVATE KEY (PKCS#8) block, found "
                + (object == null ? "nothing" : object.getClass().getSimpleName()));
    }

    private static Object readPem(PEMParser parser, Path file) throws IOException {
        try {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports malformed base64 or DER with assorted runtime exceptions; callers get one kind.
            throw new IOException(file + ": malformed PEM: " + e.getMessage(), e);
        }
    }

    private static boolean keyMatches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] challenge = randomBytes(new SecureRandom(), 32);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void writeAtomically(Path target, String content, Set<PosixFilePermission> permissions)
            throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        boolean posix = supportsPosix(directory);
        // createTempFile makes the file 0600 on POSIX systems before a single byte is written.
        Path temp = Files.createTempFile(directory, "." + target.getFileName(), ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII)) {
                writer.write(content);
            }
            if (posix) {
                Files.setPosixFilePermissions(temp, permissions);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean supportsPosix(Path directory) throws IOException {
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
    }

    private static byte[] randomBytes(SecureRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
