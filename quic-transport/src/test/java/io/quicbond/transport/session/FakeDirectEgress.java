package io.quicbond.transport.session;

import io.quicbond.transport.Destination;
import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Egress without a policy: connects wherever asked (tests only reach loopback servers they started). */
final class FakeDirectEgress implements EgressConnector {
    private final EgressRates rates;

    FakeDirectEgress() {
        this(EgressRates.NONE);
    }

    /** Every user shares {@code rates}. */
    FakeDirectEgress(EgressRates rates) {
        this.rates = rates;
    }

    @Override
    public EgressRates rates(String user) {
        return rates;
    }
    @Override
    public Socket connectTcp(String user, Destination destination) throws FlowOpenException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(destination.host(), destination.port()), 5000);
            s.setTcpNoDelay(true);
            return s;
        } catch (ConnectException e) {
            throw new FlowOpenException(FlowError.REFUSED, destination + " refused");
        } catch (IOException e) {
            throw new FlowOpenException(FlowError.UNREACHABLE, destination + ": " + e.getMessage());
        }
    }

    @Override
    public DatagramSocket openUdp(String user, Destination destination) throws FlowOpenException {
        try {
            DatagramSocket s = new DatagramSocket();
            s.connect(new InetSocketAddress(destination.host(), destination.port()));
            return s;
        } catch (IOException e) {
            throw new FlowOpenException(FlowError.UNREACHABLE, e.getMessage());
        }
    }
}
