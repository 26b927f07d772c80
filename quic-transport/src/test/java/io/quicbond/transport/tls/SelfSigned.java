package io.quicbond.transport.tls;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test helper: certificates made outside {@link ServerIdentity}, to show what the pin does and does not cover. */
final class SelfSigned {

    private SelfSigned() {
    }

    /** A new certificate, different subject and serial, over the same key pair as {@code identity}. */
    static X509Certificate reissue(ServerIdentity identity) throws Exception {
        X500Name subject = new X500Name("CN=renewed");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(42), Date.from(now),
                Date.from(now.plus(Duration.ofDays(1))), subject, identity.certificate().getPublicKey());
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(identity.privateKey())));
    }
}
