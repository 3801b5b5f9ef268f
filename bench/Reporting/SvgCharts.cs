using System.Globalization;
using System.Net;
using System.Text;
using AppSyncChat.Bench.Metrics;

namespace AppSyncChat.Bench.Reporting;

/// <summary>Hand-written SVG charts (no packages): latency distributions per strategy, and events per answer.</summary>
public static class SvgCharts
{
    private static readonly Dictionary<string, string> Colors = new(StringComparer.Ordinal)
    {
        ["coalesced"] = "#1f77b4",
        ["per-delta"] = "#d62728",
        ["sentence"] = "#2ca02c",
        ["final-only"] = "#9467bd",
    };

    /// <summary>Writes the charts into <paramref name="directory"/> with the given file prefix; returns their paths.</summary>
    public static List<string> Write(BenchReport report, string directory, string prefix)
    {
        var paths = new List<string>();
        var level = ComparisonLevel(report);
        if (level is { } n)
        {
            var chat = report.Results.Where(r => r.Workload == "chat" && r.Conversations == n).ToList();
            paths.Add(Save(directory, $"{prefix}-lag-cdf.svg", Cdf(
                $"Per-character delivery lag, chat workload, {n} conversations × {chat[0].ViewersPerConversation} viewers",
                "delivery lag (ms, log scale): receipt at a viewer − model flush of the character's token",
                chat.Select(r => (r.Strategy, r.CharLagMs)).ToList())));
            paths.Add(Save(directory, $"{prefix}-first-token-cdf.svg", Cdf(
                $"Added first-token latency, chat workload, {n} conversations",
                "added latency (ms, log scale): first text at a viewer − first model token",
                chat.Select(r => (r.Strategy, r.AddedFirstTokenMs)).ToList())));
            paths.Add(Save(directory, $"{prefix}-events-per-answer.svg", Bars(
                $"AppSync Events traffic per answer, chat workload, {n} conversations (500-token answers)",
                chat.Select(r => (r.Strategy, r.InboundEventsPerAnswer, r.PublishRequestsPerAnswer)).ToList())));
        }

        var scale = report.Results.Where(r => r.Workload == "chat" && r.Strategy == "coalesced").OrderBy(r => r.Conversations).ToList();
        if (scale.Count > 1)
        {
            paths.Add(Save(directory, $"{prefix}-lag-by-load.svg", Cdf(
                "Per-character delivery lag of coalesced by concurrent conversations (3 viewers each)",
                "delivery lag (ms, log scale)",
                scale.Select(r => ($"{r.Conversations} conversations", r.CharLagMs)).ToList())));
        }

        var ours = report.Results.Where(r => r.Strategy == "coalesced" && r.InterDeltaGapMs.Count > 0).ToList();
        if (ours.Count > 0)
        {
            paths.Add(Save(directory, $"{prefix}-inter-delta-gaps.svg", Cdf(
                "Gaps between consecutive text events at a viewer while the model streamed (coalesced)",
                "gap (ms, log scale): text event arrival − later of (previous text event, model emitted its text)",
                ours.Select(r => ($"{r.Workload} {r.Conversations}×{r.ViewersPerConversation}", r.InterDeltaGapMs)).ToList())));
        }

        return paths;
    }

    private static int? ComparisonLevel(BenchReport report)
    {
        var baselineLevels = report.Results.Where(r => r.Workload == "chat" && r.Strategy != "coalesced").Select(r => r.Conversations).ToHashSet();
        var shared = report.Results.Where(r => r.Workload == "chat" && r.Strategy == "coalesced" && baselineLevels.Contains(r.Conversations)).Select(r => r.Conversations).ToList();
        return shared.Count == 0 ? null : shared.Contains(100) ? 100 : shared.Max();
    }

    private static string Save(string directory, string name, string svg)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, svg);
        return path;
    }

    private const int Width = 760;
    private const int Height = 420;
    private const int Left = 70;
    private const int Right = 190;
    private const int Top = 50;
    private const int Bottom = 60;

    /// <summary>Cumulative distributions on a log x axis (0.1 ms … max).</summary>
    private static string Cdf(string title, string xLabel, List<(string Name, Distribution Dist)> series)
    {
        var svg = Start(title);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        var max = Math.Max(1, series.Where(s => s.Dist.Count > 0).Select(s => s.Dist.Max).DefaultIfEmpty(1).Max());
        var lo = Math.Log10(0.1);
        var hi = Math.Ceiling(Math.Log10(max * 1.05));
        double X(double ms) => Left + ((Math.Log10(Math.Max(ms, 0.1)) - lo) / (hi - lo) * plotW);
        double Y(double fraction) => Top + ((1 - fraction) * plotH);

        for (var d = (int)lo; d <= hi; d++)
        {
            var x = X(Math.Pow(10, d));
            svg.Append(F($"<line x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{Top + plotH}\" stroke=\"#ddd\"/>"));
            svg.Append(F($"<text x=\"{x:0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Math.Pow(10, d):0.#}</text>"));
        }

        foreach (var q in new[] { 0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0 })
        {
            var y = Y(q);
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">p{q * 100:0}</text>"));
        }

        var i = 0;
        foreach (var (name, dist) in series)
        {
            var color = Colors.TryGetValue(name, out var c) ? c : Palette(i);
            if (dist.Percentiles.Length == 101)
            {
                var points = string.Join(' ', Enumerable.Range(0, 101).Select(p => F($"{X(dist.Percentiles[p]):0.#},{Y(p / 100.0):0.#}")));
                svg.Append(F($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>"));
            }

            var ly = Top + 10 + (i * 34);
            svg.Append(F($"<rect x=\"{Left + plotW + 14}\" y=\"{ly - 9}\" width=\"12\" height=\"12\" fill=\"{color}\"/>"));
            svg.Append(F($"<text x=\"{Left + plotW + 32}\" y=\"{ly + 1}\">{Esc(name)}</text>"));
            svg.Append(F($"<text x=\"{Left + plotW + 32}\" y=\"{ly + 15}\" fill=\"#555\">p50 {dist.P50:0.#} · p99 {dist.P99:0.#} ms</text>"));
            i++;
        }

        svg.Append(F($"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\">{Esc(xLabel)}</text>"));
        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>"));
        return End(svg);
    }

    /// <summary>Events and publish requests per answer, one pair of bars per strategy (log y axis).</summary>
    private static string Bars(string title, List<(string Strategy, double Events, double Publishes)> rows)
    {
        var svg = Start(title);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        var max = Math.Max(1, rows.Select(r => Math.Max(r.Events, r.Publishes)).DefaultIfEmpty(1).Max());
        var hi = Math.Ceiling(Math.Log10(max * 1.2));
        double Y(double v) => Top + plotH - (Math.Log10(Math.Max(v, 1)) / hi * plotH);
        for (var d = 0; d <= hi; d++)
        {
            var y = Y(Math.Pow(10, d));
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Math.Pow(10, d):0}</text>"));
        }

        var slot = plotW / (double)Math.Max(1, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (strategy, events, publishes) = rows[i];
            var color = Colors.TryGetValue(strategy, out var c) ? c : Palette(i);
            var x = Left + (i * slot) + (slot * 0.15);
            var w = slot * 0.32;
            svg.Append(F($"<rect x=\"{x:0.#}\" y=\"{Y(events):0.#}\" width=\"{w:0.#}\" height=\"{Top + plotH - Y(events):0.#}\" fill=\"{color}\"/>"));
            svg.Append(F($"<text x=\"{x + (w / 2):0.#}\" y=\"{Y(events) - 4:0.#}\" text-anchor=\"middle\">{events:0.#}</text>"));
            svg.Append(F($"<rect x=\"{x + w + 4:0.#}\" y=\"{Y(publishes):0.#}\" width=\"{w:0.#}\" height=\"{Top + plotH - Y(publishes):0.#}\" fill=\"{color}\" fill-opacity=\"0.45\"/>"));
            svg.Append(F($"<text x=\"{x + w + 4 + (w / 2):0.#}\" y=\"{Y(publishes) - 4:0.#}\" text-anchor=\"middle\">{publishes:0.#}</text>"));
            svg.Append(F($"<text x=\"{Left + (i * slot) + (slot / 2):0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Esc(strategy)}</text>"));
        }

        svg.Append(F($"<rect x=\"{Left + plotW + 14}\" y=\"{Top}\" width=\"12\" height=\"12\" fill=\"#555\"/><text x=\"{Left + plotW + 32}\" y=\"{Top + 10}\">events published</text>"));
        svg.Append(F($"<rect x=\"{Left + plotW + 14}\" y=\"{Top + 22}\" width=\"12\" height=\"12\" fill=\"#555\" fill-opacity=\"0.45\"/><text x=\"{Left + plotW + 32}\" y=\"{Top + 32}\">publish requests</text>"));
        svg.Append(F($"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\">per answer (log scale); each event also goes out once per viewer</text>"));
        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>"));
        return End(svg);
    }

    private static StringBuilder Start(string title)
    {
        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.Append(F($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Esc(title)}</text>"));
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static string Palette(int i) => new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b" }[i % 6];

    private static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
