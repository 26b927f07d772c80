package io.quicbond.interop.emulator;

/**
 * Counters of one direction of an emulated link since it started. Packets count UDP datagrams, bytes their payload.
 * Every packet in is, eventually, exactly one of: delivered, dropped (queue, loss, outage), a send error, or still
 * in flight.
 *
 * @param packetsIn         datagrams that reached the emulator from this direction's sender
 * @param bytesIn           their payload bytes
 * @param packetsDelivered  datagrams handed to the receiver's socket
 * @param bytesDelivered    their payload bytes
 * @param droppedQueue      tail drops: the queue was full
 * @param droppedLoss       random losses
 * @param droppedOutage     dropped because the link was cut or this direction was off, on arrival or in flight
 * @param sendErrors        the operating system refused to send (or, downstream, no client was known yet)
 * @param queuedBytes       bytes waiting for serialisation at the time of the snapshot
 * @param inFlightPackets   admitted datagrams not yet delivered or dropped
 */
public record DirectionStats(long packetsIn, long bytesIn, long packetsDelivered, long bytesDelivered,
                             long droppedQueue, long droppedLoss, long droppedOutage, long sendErrors,
                             long queuedBytes, long inFlightPackets) {

    public long dropped() {
        return droppedQueue + droppedLoss + droppedOutage;
    }

    /** Share of datagrams in that were dropped, for any reason; 0 when nothing came in. */
    public double dropRatio() {
        return packetsIn == 0 ? 0 : (double) dropped() / packetsIn;
    }
}
