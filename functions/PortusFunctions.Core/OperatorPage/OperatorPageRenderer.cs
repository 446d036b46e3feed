using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using PortusFunctions.Jobs;
using PortusFunctions.Scanning;

namespace PortusFunctions.OperatorPage;

/// <summary>
/// Renders <see cref="OperatorOverview"/> as one self-contained HTML page: no scripts, no external files, a layout
/// that fits a phone's width, and links into the read API.
/// </summary>
/// <remarks>Every figure carries a <c>data-figure</c> attribute, so that tests and scripts can read it.</remarks>
public static class OperatorPageRenderer
{
    private static readonly (string Name, string Color)[] SeverityColors =
    [
        (Severities.Critical, "#7b1fa2"),
        (Severities.High, "#c62828"),
        (Severities.Medium, "#ef6c00"),
        (Severities.Low, "#f9a825"),
        (Severities.Negligible, "#78909c"),
        (Severities.Unknown, "#b0bec5"),
    ];

    private const string Style = """
        :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        body { margin: 0; background: #f4f5f7; color: #1f2328; line-height: 1.45; }
        header, main { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
        header { padding-top: 16px; }
        h1 { font-size: 1.4rem; margin: 0 0 4px; }
        h2 { font-size: 1.1rem; margin: 0 0 12px; }
        section { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px; margin: 16px 0; }
        .muted { color: #59636e; font-size: 0.9rem; }
        .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px; margin: 0 0 12px; }
        .figures div { background: #f6f8fa; border-radius: 6px; padding: 10px; }
        .figures dt { font-size: 0.8rem; color: #59636e; }
        .figures dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
        .table { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        .chart { display: grid; grid-template-columns: max-content 1fr max-content; gap: 6px 10px; align-items: center; }
        .bar { height: 14px; border-radius: 3px; min-width: 2px; }
        .status { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #eaeef2; font-size: 0.8rem; }
        .status.failed, .status.blocked { background: #ffebe9; color: #a40e26; }
        .status.completed { background: #dafbe1; color: #116329; }
        code { font-size: 0.85rem; word-break: break-all; }
        a { color: #0969da; }
        """;

    /// <summary>Renders the page.</summary>
    public static string Render(OperatorOverview overview)
    {
        ArgumentNullException.ThrowIfNull(overview);

        var html = new StringBuilder(16 * 1024);
        html.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>PortusFunctions</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<header><h1>PortusFunctions</h1><p class=\"muted\">Figures read at ")
            .Append(Time(overview.GeneratedAt))
            .Append(" · <a href=\"/api/health\">health</a> · <a href=\"/api/overview\">these figures as JSON</a></p></header>\n<main>\n");

        RenderStore(html, overview.Store);
        RenderEvents(html, overview.Events, overview.GeneratedAt);
        RenderRuns(html, "Catalog synchronization", "sync", overview.SyncRuns, "/api/sync/status");
        RenderScans(html, overview.Scans);
        RenderRuns(html, "Scan runs", "scan-runs", overview.ScanRuns, null);

        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Renders the page shown when storage cannot be reached.</summary>
    public static string RenderUnavailable(string detail) =>
        $"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>PortusFunctions: storage unavailable</title><style>{Style}</style></head><body><main><section><h2>Storage unavailable</h2>"
        + $"<p>{Encode(detail)}</p><p class=\"muted\">The page shows figures again when Table Storage is back.</p></section></main></body></html>\n";

    private static void RenderStore(StringBuilder html, StoreSize store)
    {
        html.Append("<section id=\"store\"><h2>Store</h2><dl class=\"figures\">");
        Figure(html, "Repositories", "repositories", store.Repositories);
        Figure(html, "Tags", "tags", store.Tags);
        Figure(html, "Manifests", "manifests", store.Manifests);
        html.Append("</dl><p class=\"muted\">Read API: <a href=\"/api/repositories\">/api/repositories</a></p></section>\n");
    }

    private static void RenderEvents(StringBuilder html, EventBacklog events, DateTimeOffset now)
    {
        html.Append("<section id=\"events\"><h2>Registry events</h2><dl class=\"figures\">");
        Figure(html, "Pending in the inbox", "pending-events", events.Pending);
        var lag = events.OldestPendingAt is { } oldest ? Duration(now - oldest) : "none";
        html.Append("<div><dt>Oldest pending</dt><dd data-figure=\"oldest-pending\">").Append(Encode(lag)).Append("</dd></div>");
        Figure(html, $"Quarantined in {OperatorOverviewService.QuarantineWindow.TotalDays:0} days", "quarantined-events", events.Quarantined.Count);
        html.Append("</dl>");

        if (events.Quarantined.Count > 0)
        {
            html.Append("<div class=\"table\"><table><thead><tr><th>Received</th><th>Event id</th><th>Reason</th></tr></thead><tbody>");
            foreach (var entry in events.Quarantined.Take(20))
            {
                html.Append("<tr><td>").Append(Time(entry.ReceivedAt)).Append("</td><td><code>").Append(Encode(entry.EventId ?? "(none)"))
                    .Append("</code></td><td>").Append(Encode(entry.Reason)).Append("</td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        html.Append("</section>\n");
    }

    private static void RenderRuns(StringBuilder html, string title, string id, IReadOnlyList<JobRun> runs, string? apiLink)
    {
        html.Append("<section id=\"").Append(id).Append("\"><h2>").Append(Encode(title)).Append("</h2>");
        if (runs.Count == 0)
        {
            html.Append("<p class=\"muted\" data-figure=\"").Append(id).Append("-runs\">No runs yet.</p>");
        }
        else
        {
            html.Append("<div class=\"table\"><table data-figure=\"").Append(id).Append("-runs\"><thead><tr><th>Started</th><th>Status</th><th>Duration</th><th>Counts</th><th>Message</th></tr></thead><tbody>");
            foreach (var run in runs)
            {
                var duration = run.FinishedAt is { } finished ? Duration(finished - run.StartedAt) : "running";
                var counts = string.Join(", ", run.Properties.Select(property => $"{property.Key} {property.Value}")
                    .Concat(run.Counts.Select(count => $"{count.Key} {count.Value.ToString(CultureInfo.InvariantCulture)}")));
                html.Append("<tr><td>").Append(Time(run.StartedAt)).Append("</td><td><span class=\"status ").Append(Encode(run.Status)).Append("\">")
                    .Append(Encode(run.Status)).Append("</span></td><td>").Append(Encode(duration)).Append("</td><td>").Append(Encode(counts))
                    .Append("</td><td>").Append(Encode(run.Message ?? "")).Append("</td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        if (apiLink is not null)
        {
            html.Append("<p class=\"muted\">Read API: <a href=\"").Append(apiLink).Append("\">").Append(apiLink).Append("</a></p>");
        }

        html.Append("</section>\n");
    }

    private static void RenderScans(StringBuilder html, ScanCoverage scans)
    {
        html.Append("<section id=\"scanning\"><h2>Vulnerability scanning</h2><dl class=\"figures\">");
        html.Append("<div><dt>Scanner</dt><dd data-figure=\"scanner\">").Append(Encode(scans.Scanner)).Append("</dd></div>");
        var coverage = scans.Coverage is { } share ? (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";
        html.Append("<div><dt>Coverage</dt><dd data-figure=\"scan-coverage\">").Append(Encode(coverage)).Append("</dd></div>");
        Figure(html, "Digests", "scanned-digests", scans.Digests);
        foreach (var status in ScanStatuses.All)
        {
            var label = char.ToUpperInvariant(status[0]) + status[1..].Replace('_', ' ');
            Figure(html, label, "status-" + status, scans.ByStatus.GetValueOrDefault(status));
        }

        html.Append("</dl><h3>Findings by severity</h3><div class=\"chart\" role=\"img\" aria-label=\"Findings by severity\">");
        var counts = SeverityValues(scans.Findings);
        var max = Math.Max(1, counts.Max(entry => entry.Count));
        foreach (var (name, color, count) in counts)
        {
            var width = (100.0 * count / max).ToString("0.#", CultureInfo.InvariantCulture);
            html.Append("<span>").Append(name).Append("</span><div><div class=\"bar\" style=\"width:").Append(width).Append("%;background:").Append(color)
                .Append("\"></div></div><span class=\"number\" data-figure=\"findings-").Append(name.ToLowerInvariant()).Append("\">")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append("</span>");
        }

        html.Append("</div>");

        if (scans.MostVulnerable.Count > 0)
        {
            html.Append("<h3>Most critical and high findings</h3><div class=\"table\"><table><thead><tr><th>Repository</th><th>Digest</th>")
                .Append("<th class=\"number\">Critical</th><th class=\"number\">High</th><th>Report</th></tr></thead><tbody>");
            foreach (var digest in scans.MostVulnerable)
            {
                var link = $"/api/vulnerabilities?repository={Uri.EscapeDataString(digest.Repository)}&digest={Uri.EscapeDataString(digest.Digest)}";
                html.Append("<tr><td>").Append(Encode(digest.Repository)).Append("</td><td><code>").Append(Encode(digest.Digest[..Math.Min(19, digest.Digest.Length)]))
                    .Append("</code></td><td class=\"number\">").Append(digest.Counts.Critical.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"number\">").Append(digest.Counts.High.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td><a href=\"").Append(Encode(link)).Append("\">findings</a></td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        html.Append("</section>\n");
    }

    private static List<(string Name, string Color, int Count)> SeverityValues(SeverityCounts counts)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [Severities.Critical] = counts.Critical,
            [Severities.High] = counts.High,
            [Severities.Medium] = counts.Medium,
            [Severities.Low] = counts.Low,
            [Severities.Negligible] = counts.Negligible,
            [Severities.Unknown] = counts.Unknown,
        };
        return [.. SeverityColors.Select(entry => (entry.Name, entry.Color, values[entry.Name]))];
    }

    private static void Figure(StringBuilder html, string label, string name, int value) =>
        html.Append("<div><dt>").Append(Encode(label)).Append("</dt><dd data-figure=\"").Append(name).Append("\">")
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append("</dd></div>");

    private static string Time(DateTimeOffset time) =>
        Encode(time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));

    private static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        if (span.TotalMinutes < 1)
        {
            return $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
        }

        return span.TotalHours < 1
            ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
            : $"{(int)span.TotalHours} h {span.Minutes} min";
    }

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
