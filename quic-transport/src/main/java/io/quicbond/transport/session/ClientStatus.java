package io.quicbond.transport.session;

import java.util.List;

/** The client's status: its session, and every configured uplink whether connected or not. */
public record ClientStatus(SessionStatus session, List<ConfiguredUplink> configured) {

    /**
     * @param state     "connected" or "connecting"
     * @param lastError why the last connection ended or failed; null if none
     * @param connects  how many times it has connected
     */
    public record ConfiguredUplink(String name, String server, String state, String lastError, int connects) {
    }
}
