package io.quicbond.client.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DomainSuffixTest {

    @Test
    void matchesTheNameAndNamesBeneathItOnly() {
        DomainSuffix s = DomainSuffix.parse("example.com");
        assertTrue(s.matches("example.com"));
        assertTrue(s.matches("a.example.com"));
        assertTrue(s.matches("Deep.A.Example.Com."));
        assertFalse(s.matches("badexample.com"));
        assertFalse(s.matches("example.com.au"));
        assertFalse(s.matches("com"));
        assertFalse(s.matches(""));
        assertFalse(s.matches(".example.co"));
    }

    @Test
    void normalizesCaseAndDots() {
        assertEquals("example.com", DomainSuffix.parse(".Example.COM.").suffix());
        assertEquals(DomainSuffix.parse("example.com"), DomainSuffix.parse("EXAMPLE.com"));
    }

    @Test
    void rejectsWhatIsNotADomain() {
        assertEquals("no wildcards in domain suffixes: write 'example.com' to match it and every name beneath it",
                assertThrows(IllegalArgumentException.class, () -> DomainSuffix.parse("*.example.com")).getMessage());
        assertEquals("not a domain name: 'bücher.de' (write international names in their xn-- form)",
                assertThrows(IllegalArgumentException.class, () -> DomainSuffix.parse("bücher.de")).getMessage());
        for (String bad : new String[] {"", ".", "..", "a..b", "a b", "a/b", "x".repeat(64) + ".com", "a.".repeat(130)}) {
            assertThrows(IllegalArgumentException.class, () -> DomainSuffix.parse(bad), bad);
        }
    }
}
