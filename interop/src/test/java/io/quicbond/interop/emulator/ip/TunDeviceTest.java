package io.quicbond.interop.emulator.ip;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TunDeviceTest {

    @Test
    void namesTheKernelWouldRefuseAreRefusedBeforeAnyNativeCall() {
        for (String bad : new String[]{"", "abcdefghijklmnop", "a/b", "a b", "a:b", "tun\n"}) {
            assertThrows(IllegalArgumentException.class, () -> TunDevice.create(bad), bad);
        }
    }

    @Test
    void badPrefixesAndSubnetsAreRefusedBeforeAnythingIsBuilt() {
        var one = io.quicbond.interop.emulator.EmulatedLinks.parse("a=10mbit");
        assertThrows(IllegalArgumentException.class, () -> NetnsLinks.start("Qbe", "10.77", one));
        assertThrows(IllegalArgumentException.class, () -> NetnsLinks.start("averylongprefix", "10.77", one));
        assertThrows(IllegalArgumentException.class, () -> NetnsLinks.start("qbe", "10.777", one));
        assertThrows(IllegalArgumentException.class, () -> NetnsLinks.start("qbe", "10", one));
        assertThrows(IllegalArgumentException.class, () -> NetnsLinks.start("qbe", "10.77", java.util.List.of()));
    }
}
