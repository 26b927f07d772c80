package io.quicbond.transport.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixBitsTest {

    @Test
    void prefixLengthsAreShortDecimalsWithoutLeadingZeros() {
        assertEquals(0, PrefixBits.parseLength("0"));
        assertEquals(24, PrefixBits.parseLength("24"));
        assertEquals(128, PrefixBits.parseLength("128"));
        assertEquals(999, PrefixBits.parseLength("999"), "the caller checks the family's bound");
        for (String bad : new String[] {"", "08", "1000", "-1", "+8", " 8", "8 ", "x", "１"}) {
            assertEquals(-1, PrefixBits.parseLength(bad), bad);
        }
    }

    @Test
    void maskClearsTheHostBits() {
        assertArrayEquals(new byte[] {10, 0, 0, 0}, PrefixBits.mask(new byte[] {10, 1, 2, 3}, 8));
        assertArrayEquals(new byte[] {10, 1, 2, (byte) 0x80}, PrefixBits.mask(new byte[] {10, 1, 2, (byte) 0xff}, 25));
        assertArrayEquals(new byte[4], PrefixBits.mask(new byte[] {1, 2, 3, 4}, 0));
    }

    @Test
    void containsAgreesWithMaskingForRandomNetworks() {
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            byte[] address = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(address);
            int prefix = random.nextInt(address.length * 8 + 1);
            byte[] network = PrefixBits.mask(address, prefix);
            assertTrue(PrefixBits.contains(network, prefix, address));
            byte[] other = address.clone();
            other[random.nextInt(other.length)] ^= (byte) (1 << random.nextInt(8));
            assertEquals(java.util.Arrays.equals(PrefixBits.mask(other, prefix), network),
                    PrefixBits.contains(network, prefix, other));
            assertFalse(PrefixBits.contains(network, prefix, new byte[address.length == 4 ? 16 : 4]));
        }
    }
}
