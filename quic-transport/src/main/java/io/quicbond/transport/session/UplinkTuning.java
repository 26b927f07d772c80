package io.quicbond.transport.session;

/**
 * How an uplink is to be used, as the client configures it and tells the server (UPLINK_SETTINGS frame).
 *
 * @param primary           false puts the uplink in the backup tier: it carries no flow data while a primary
 *                          uplink is healthy, under every policy (a data budget used up does the same)
 * @param weight            scales the uplink's delivery-rate estimate in the aggregate policy (1.0 = as
 *                          measured; 2.0 = given chunks as if it were twice as fast); 0.01..100
 * @param upBitsPerSecond   cap on what the client sends on it; 0 = none
 * @param downBitsPerSecond cap on what the server sends on it; 0 = none
 */
public record UplinkTuning(boolean primary, double weight, long upBitsPerSecond, long downBitsPerSecond) {
    public static final UplinkTuning DEFAULT = new UplinkTuning(true, 1.0, 0, 0);
    public static final double MIN_WEIGHT = 0.01;
    public static final double MAX_WEIGHT = 100;

    public UplinkTuning {
        if (!(weight >= MIN_WEIGHT && weight <= MAX_WEIGHT)) {
            throw new IllegalArgumentException("weight must be within " + MIN_WEIGHT + ".." + MAX_WEIGHT + ": " + weight);
        }
        if (upBitsPerSecond < 0 || downBitsPerSecond < 0) {
            throw new IllegalArgumentException("rate caps must not be negative");
        }
    }

    public UplinkTuning withPrimary(boolean primary) {
        return new UplinkTuning(primary, weight, upBitsPerSecond, downBitsPerSecond);
    }
}
