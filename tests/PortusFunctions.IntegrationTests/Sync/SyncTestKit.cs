using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.IntegrationTests.Sync;

/// <summary>Hosts that synchronize from a test registry, and readers of what a sync did.</summary>
internal static class SyncTestKit
{
    /// <summary>A schedule that does not fire while a test runs: midnight on the first of January.</summary>
    public const string NeverSchedule = "0 0 0 1 1 *";

    /// <summary>
    /// Starts a host that synchronizes from <paramref name="registry"/> with <paramref name="strategy"/>, with short
    /// retries and only manual runs; <paramref name="extra"/> overrides settings by <c>Section:Key</c>.
    /// </summary>
    public static Task<PortusHost> StartHostAsync(Uri registry, string strategy, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Registry:Url"] = registry.ToString(),
            ["Registry:RetryDelay"] = "00:00:00.050",
            ["Registry:MaxRetries"] = "2",
            ["Registry:RequestTimeout"] = "00:00:05",
            ["Sync:Strategy"] = strategy,
            ["Sync:Schedule"] = NeverSchedule,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        return PortusHost.StartAsync(overrides: settings);
    }

    /// <summary>Sends <c>POST /api/sync</c> with the admin key and returns the status and the body.</summary>
    public static async Task<(HttpStatusCode Status, SyncReply? Reply, string Body)> PostSyncAsync(PortusHost host, string query = "")
    {
        ArgumentNullException.ThrowIfNull(host);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.Url, "api/sync" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.AdminKey);
        using var response = await host.Client.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var reply = response.StatusCode == HttpStatusCode.OK
            ? System.Text.Json.JsonSerializer.Deserialize<SyncReply>(body)
            : null;
        return (response.StatusCode, reply, body);
    }

    /// <summary>Runs one sync run and fails the test unless it returned 200.</summary>
    public static async Task<SyncReply> SyncAsync(PortusHost host, string query = "")
    {
        var (status, reply, body) = await PostSyncAsync(host, query).ConfigureAwait(false);
        Assert.True(status == HttpStatusCode.OK, $"POST /api/sync returned {(int)status}: {body}");
        return reply!;
    }

    /// <summary>Runs the sync as the timer does.</summary>
    public static async Task<SyncRunResult> RunScheduledAsync(PortusHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        using var scope = host.App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ISyncService>()
            .RunAsync(SyncTrigger.Schedule, confirmDeletes: false, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Returns <c>GET /api/sync/status</c>.</summary>
    public static async Task<StatusReply> StatusAsync(PortusHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        return (await host.Client.GetFromJsonAsync<StatusReply>("api/sync/status").ConfigureAwait(false))!;
    }

    /// <summary>Returns every row of the image tables with its ETag, to tell whether a run wrote anything.</summary>
    public static async Task<IReadOnlyList<string>> ImageRowVersionsAsync(PortusHost host)
    {
        var rows = new List<string>();
        foreach (var table in new[] { TableNames.Images, TableNames.Repositories })
        {
            foreach (var row in await StoredRows.ReadAsync(host, table).ConfigureAwait(false))
            {
                rows.Add($"{table}/{row.PartitionKey}/{row.RowKey} {row.ETag} {row.Timestamp:O}");
            }
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>Returns the manifest rows of the store as <c>REPOSITORY@DIGEST MEDIATYPE SIZE CHILDREN</c>, without versions.</summary>
    public static async Task<IReadOnlyList<string>> ManifestDescriptionsAsync(PortusHost host)
    {
        var rows = await StoredRows.ReadAsync(host, TableNames.Images).ConfigureAwait(false);
        return
        [
            .. rows
                .Where(row => row.RowKey.StartsWith("manifest|", StringComparison.Ordinal))
                .Select(row => $"{KeyCodec.Decode(row.PartitionKey)}@{row.GetString("Digest")} {row.GetString("MediaType")} {row.GetInt64("Size")} {row.GetString("Children")}")
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>Body of <c>POST /api/sync</c>.</summary>
    internal sealed record SyncReply(
        [property: JsonPropertyName("outcome")] string Outcome,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("run")] RunReply? Run);

    /// <summary>A run row.</summary>
    internal sealed record RunReply(
        [property: JsonPropertyName("runId")] string RunId,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("strategy")] string? Strategy,
        [property: JsonPropertyName("trigger")] string? Trigger,
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("startCursor")] string? StartCursor,
        [property: JsonPropertyName("cursor")] string? Cursor,
        [property: JsonPropertyName("counts")] Dictionary<string, long> Counts)
    {
        /// <summary>Returns a counter, zero when the run has none.</summary>
        public long Count(string name) => Counts.GetValueOrDefault(name);
    }

    /// <summary>Body of <c>GET /api/sync/status</c>.</summary>
    internal sealed record StatusReply(
        [property: JsonPropertyName("strategy")] string Strategy,
        [property: JsonPropertyName("run")] RunReply? Run,
        [property: JsonPropertyName("pass")] PassReply? Pass,
        [property: JsonPropertyName("heldDeletes")] HeldReply? HeldDeletes,
        [property: JsonPropertyName("initialImportFinishedAt")] DateTimeOffset? InitialImportFinishedAt);

    /// <summary>The pass in progress.</summary>
    internal sealed record PassReply(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("cursor")] string? Cursor,
        [property: JsonPropertyName("catalogComplete")] bool CatalogComplete,
        [property: JsonPropertyName("anomaly")] string? Anomaly);

    /// <summary>Deletes the guard held back.</summary>
    internal sealed record HeldReply(
        [property: JsonPropertyName("passId")] string PassId,
        [property: JsonPropertyName("passStartedAt")] DateTimeOffset? PassStartedAt,
        [property: JsonPropertyName("heldAt")] DateTimeOffset? HeldAt,
        [property: JsonPropertyName("summary")] string? Summary,
        [property: JsonPropertyName("confirmedAt")] DateTimeOffset? ConfirmedAt);
}
