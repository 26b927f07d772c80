package io.quicbond.transport.flow;

/**
 * A piece of a TCP flow handed to one uplink: {@code length} bytes of {@code payload} from
 * {@code payloadOffset}, carrying the flow's bytes from {@code offset}, and whether the flow ends after them.
 * {@code payload} is either a fresh copy owned by the caller, or the caller's own buffer that the bytes were copied
 * into ({@link OutgoingStream#takeChunk(PathAccount, int, boolean, long, byte[], int)}).
 */
public record Chunk(int flowId, long offset, byte[] payload, int payloadOffset, int length, boolean fin,
                    boolean retransmission) {
}
