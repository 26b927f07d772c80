package io.quicbond.interop.bench.netns;

import io.quicbond.interop.bench.netns.NetnsBench.Kind;
import io.quicbond.interop.bench.netns.NetnsBench.Scenario;
import io.quicbond.interop.bench.netns.NetnsReport.RunResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The netns report's PNG charts, drawn with java.awt in headless mode: aggregation.png (median throughput per
 * scenario and system, grouped bars) and, for the failover and flap scenarios, one chart per system of each
 * link's upstream throughput over time (the emulator's counters, 0.5 s averages) with the cut and restore marked.
 */
final class NetnsCharts {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private static final int W = 1000;
    private static final int H = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 90;

    private final NetnsReport report;

    NetnsCharts(NetnsReport report) {
        this.report = report;
    }

    List<Path> draw(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        List<Scenario> bulk = report.results().keySet().stream()
                .filter(s -> s.kind() == Kind.BULK || s.kind() == Kind.FAILOVER || s.kind() == Kind.FLAP).toList();
        if (!bulk.isEmpty()) {
            Path p = dir.resolve("aggregation.png");
            ImageIO.write(aggregation(bulk), "png", p.toFile());
            out.add(p);
        }
        for (Map.Entry<Scenario, List<RunResult>> e : report.results().entrySet()) {
            Scenario s = e.getKey();
            if (s.kind() != Kind.FAILOVER && s.kind() != Kind.FLAP) {
                continue;
            }
            for (String system : s.systems()) {
                RunResult last = e.getValue().stream().filter(r -> r.system.equals(system) && r.series != null)
                        .reduce((a, b) -> b).orElse(null);
                if (last == null) {
                    continue;
                }
                Path p = dir.resolve(s.id() + "-" + system + ".png");
                ImageIO.write(perLink(s, last), "png", p.toFile());
                out.add(p);
            }
        }
        return out;
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    private static double niceMax(double max) {
        if (max <= 0) {
            return 1;
        }
        double step = Math.pow(10, Math.floor(Math.log10(max)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) {
            if (m * step >= max) {
                return m * step;
            }
        }
        return 10 * step;
    }

    private static void yAxis(Graphics2D g, double max, String label) {
        int plotH = H - TOP - BOTTOM;
        g.setColor(Color.LIGHT_GRAY);
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - i * plotH / 5;
            g.drawLine(LEFT, y, W - RIGHT, y);
        }
        g.setColor(Color.BLACK);
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - i * plotH / 5;
            g.drawString(String.format(Locale.ROOT, "%.0f", max * i / 5), 10, y + 4);
        }
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.drawLine(LEFT, TOP + plotH, W - RIGHT, TOP + plotH);
        g.drawString(label, 10, TOP - 8);
    }

    private BufferedImage aggregation(List<Scenario> scenarios) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, "Throughput per scenario and system (median Mbit/s)");
        List<String> systems = scenarios.getFirst().systems();
        double max = 0;
        for (Scenario s : scenarios) {
            for (String sys : systems) {
                Double v = report.median(s, sys, "mbit");
                max = Math.max(max, v == null ? 0 : v);
            }
        }
        max = niceMax(max);
        yAxis(g, max, "Mbit/s");
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        int group = plotW / scenarios.size();
        int bar = Math.max(4, (group - 20) / systems.size());
        for (int i = 0; i < scenarios.size(); i++) {
            int x0 = LEFT + i * group + 10;
            for (int j = 0; j < systems.size(); j++) {
                Double v = report.median(scenarios.get(i), systems.get(j), "mbit");
                int h = v == null ? 0 : (int) Math.round(v / max * plotH);
                g.setColor(PALETTE[j % PALETTE.length]);
                g.fillRect(x0 + j * bar, TOP + plotH - h, bar - 2, h);
                if (v != null) {
                    g.setColor(Color.BLACK);
                    g.drawString(String.format(Locale.ROOT, "%.0f", v), x0 + j * bar, TOP + plotH - h - 3);
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(scenarios.get(i).id(), x0, TOP + plotH + 16);
        }
        legend(g, systems.stream().map(NetnsReport::peerName).toList());
        g.dispose();
        return img;
    }

    private static void legend(Graphics2D g, List<String> names) {
        int x = LEFT;
        int y = H - 30;
        for (int j = 0; j < names.size(); j++) {
            g.setColor(PALETTE[j % PALETTE.length]);
            g.fillRect(x, y - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(names.get(j), x + 16, y);
            x += 24 + g.getFontMetrics().stringWidth(names.get(j));
        }
    }

    private BufferedImage perLink(Scenario s, RunResult r) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, s.id() + ": per-link upstream throughput, " + NetnsReport.peerName(r.system)
                + " (run " + r.run + ")");
        LinkSampler.Series series = r.series;
        int links = series.linkNames().size();
        int avg = 5;
        List<double[]> rates = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        double max = 0;
        for (int k = avg; k < series.times().size(); k++) {
            double dt = series.times().get(k) - series.times().get(k - avg);
            double[] v = new double[links];
            for (int i = 0; i < links; i++) {
                v[i] = (series.upBytes().get(k)[i] - series.upBytes().get(k - avg)[i]) * 8 / dt / 1e6;
                max = Math.max(max, v[i]);
            }
            rates.add(v);
            times.add(series.times().get(k) - (Double.isNaN(r.startOffset) ? 0 : r.startOffset));
        }
        max = niceMax(max);
        yAxis(g, max, "Mbit/s");
        if (times.isEmpty()) {
            g.dispose();
            return img;
        }
        double t0 = times.getFirst();
        double t1 = times.getLast();
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator x = t -> LEFT + (t - t0) / Math.max(0.1, t1 - t0) * plotW;
        g.setColor(Color.BLACK);
        for (int sec = (int) Math.ceil(t0); sec <= t1; sec += Math.max(1, (int) ((t1 - t0) / 10))) {
            int px = (int) x.applyAsDouble(sec);
            g.drawLine(px, TOP + plotH, px, TOP + plotH + 4);
            g.drawString(sec + " s", px - 8, TOP + plotH + 18);
        }
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
        g.setColor(Color.DARK_GRAY);
        for (String key : List.of("cutAtSeconds", "restoreAtSeconds")) {
            if (r.metrics.get(key) instanceof Number n) {
                int px = (int) x.applyAsDouble(n.doubleValue());
                g.drawLine(px, TOP, px, TOP + plotH);
                g.drawString(key.startsWith("cut") ? "cut" : "restore", px + 3, TOP + 12);
            }
        }
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < links; i++) {
            g.setColor(PALETTE[i % PALETTE.length]);
            int px = -1;
            int py = -1;
            for (int k = 0; k < rates.size(); k++) {
                int nx = (int) x.applyAsDouble(times.get(k));
                int ny = TOP + plotH - (int) Math.round(rates.get(k)[i] / max * plotH);
                if (px >= 0) {
                    g.drawLine(px, py, nx, ny);
                }
                px = nx;
                py = ny;
            }
        }
        g.setColor(Color.BLACK);
        g.drawString("seconds since the transfer started (IP bytes delivered by the emulator, 0.5 s averages)",
                LEFT + 200, TOP + plotH + 36);
        legend(g, series.linkNames());
        g.dispose();
        return img;
    }
}
