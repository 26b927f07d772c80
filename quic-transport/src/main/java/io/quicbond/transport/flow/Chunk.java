package io.quicbond.transport.flow;

/**
 * A piece of a TCP flow handed to one uplink: {@code length} bytes of {@code payload} from {@code offset}, and
 * whether the flow ends after them. {@code payload} is a fresh copy owned by the caller.
 */
public record Chunk(int flowId, long offset, byte[] payload, int length, boolean fin, boolean retransmission) {
}
