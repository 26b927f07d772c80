package io.quicbond.interop;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The seams of DESIGN.md, enforced: only quic-transport's engine packages touch a QUIC library, and the
 * transport knows nothing of the client's ingress or the server's egress.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.quicbond");

    @Test
    void onlyTheEnginePackagesImportAQuicLibrary() {
        noClasses().that().resideOutsideOfPackage("io.quicbond.transport.engine..")
                .and().resideOutsideOfPackage("io.quicbond.interop.bench..")
                .should().dependOnClassesThat().resideInAnyPackage("tech.kwik..", "io.netty..")
                .because("everything above quic-transport's engine seam is engine-agnostic")
                .check(CLASSES);
    }

    @Test
    void theTransportKnowsNothingOfIngressOrEgress() {
        noClasses().that().resideInAPackage("io.quicbond.transport..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quicbond.client..", "io.quicbond.server..",
                        "io.quicbond.interop..")
                .check(CLASSES);
    }

    @Test
    void clientAndServerDoNotDependOnEachOther() {
        noClasses().that().resideInAPackage("io.quicbond.client..")
                .should().dependOnClassesThat().resideInAPackage("io.quicbond.server..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("io.quicbond.server..")
                .should().dependOnClassesThat().resideInAPackage("io.quicbond.client..")
                .check(CLASSES);
    }
}
