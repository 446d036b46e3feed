using System.Text;
using System.Text.Json.Nodes;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Jobs;
using PortusFunctions.Scanning;
using PortusFunctions.Storage;

namespace PortusFunctions.IntegrationTests.Scanning;

/// <summary>The scan job against adapters that follow Harbor's pluggable scanner API, on Azurite.</summary>
public sealed class HarborScannerTests
{
    [Fact]
    public async Task Scan_RefreshAfterAdapter_StoresReportAndSummary()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.Style = PendingStyle.RefreshAfter;
        adapter.PendingPolls = 2;
        adapter.Findings = _ =>
        [
            HarborAdapterServer.Finding("CVE-2024-0001", "openssl", "Critical", 9.8, "3.0.14"),
            HarborAdapterServer.Finding("CVE-2024-0002", "zlib", "high", 7.1),
            HarborAdapterServer.Finding("CVE-2024-0003", "busybox", "Negligible"),
            HarborAdapterServer.Finding("CVE-2024-0004", "curl", "surprising"),
        ];
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var digest = ScanFixtures.NewDigest("refresh");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        var run = await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");

        Assert.Equal(JobRunStatus.Completed, run!.Status);
        Assert.Equal(1, run.Counts[ScanCounters.Completed]);
        Assert.Equal(ScanStatuses.Completed, report.Status);
        Assert.Equal(digest, report.Digest);
        Assert.Equal("Trivy", report.Body!.Scanner.Name);
        Assert.Equal("0.50.1", report.Body.Scanner.Version);
        Assert.Equal(DateTimeOffset.Parse("2024-05-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), report.Body.DatabaseUpdatedAt);
        Assert.Equal(new VulnerabilityApi.Counts(1, 1, 0, 0, 1, 1, 4), report.Body.Summary);
        Assert.Equal(["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003", "CVE-2024-0004"], report.Body.Findings.Select(finding => finding.Id));
        Assert.Equal("3.0.14", report.Body.Findings[0].FixedVersion);
        Assert.Equal(9.8, report.Body.Findings[0].CvssScore);
        Assert.Equal(["https://security.example.test/CVE-2024-0001"], report.Body.Findings[0].Links);
        Assert.Null(report.Body.Findings[2].FixedVersion);
        Assert.Equal("Unknown", report.Body.Findings[3].Severity);
        Assert.Equal(3, adapter.Polls.Count);
        Assert.True(adapter.ShortestPollGap() >= TimeSpan.FromSeconds(0.9), $"polled again after {adapter.ShortestPollGap()}, before Refresh-After: 1");
    }

    [Fact]
    public async Task Scan_Request_FollowsTheSpec()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?>
        {
            ["Scan:RegistryUrl"] = "http://registry.internal:5000/",
        });
        var digest = ScanFixtures.NewDigest("request");
        await ScanFixtures.PushAsync(host, "library/nginx", digest, "1.27");

        await ScanFixtures.RunScanAsync(host);
        var scan = Assert.Single(adapter.Scans);
        var poll = Assert.Single(adapter.Polls);

        Assert.Equal("http://registry.internal:5000", scan.RegistryUrl);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ScanFixtures.RegistryUser}:{ScanFixtures.RegistryPassword}")), scan.RegistryAuthorization);
        Assert.Equal("library/nginx", scan.Repository);
        Assert.Equal(digest, scan.Digest);
        Assert.Equal("1.27", scan.Tag);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", scan.MimeType);
        Assert.StartsWith("application/vnd.scanner.adapter.scan.request+json", scan.ContentType, StringComparison.Ordinal);
        Assert.Equal(ScanFixtures.ScannerAuthorization, scan.ScannerAuthorization);
        Assert.Equal(HarborAdapterServer.ReportMediaType, poll.Accept);
        Assert.Equal(ScanFixtures.ScannerAuthorization, poll.ScannerAuthorization);
    }

    [Theory]
    [InlineData(PendingStyle.TrivyLike, 0.5)]
    [InlineData(PendingStyle.RetryAfter, 0.9)]
    public async Task Scan_AdapterWithoutRefreshAfter_PollsUntilReport(PendingStyle style, double minimumGapSeconds)
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.Style = style;
        adapter.PendingPolls = 3;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?> { ["Scan:PollInterval"] = "00:00:00.600" });
        var digest = ScanFixtures.NewDigest("trivy");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, digest);

        Assert.Equal(ScanStatuses.Completed, status!.Status);
        Assert.Equal(2, status.Counts!.Total);
        Assert.Equal(4, adapter.Polls.Count);
        Assert.Single(adapter.Polls.Select(poll => poll.Id).Distinct());
        Assert.True(adapter.ShortestPollGap() >= TimeSpan.FromSeconds(minimumGapSeconds), $"polled again after {adapter.ShortestPollGap()}");
    }

    [Fact]
    public async Task Scan_FailedScan_StoredAsFailedNeverAsClean()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.FailWith = "pulling image: unauthorized";
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?> { ["Scan:RetryBackoff"] = "00:10:00" });
        var digest = ScanFixtures.NewDigest("failing");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        var run = await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, digest);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/app", "v1");
        var tag = Assert.Single(await VulnerabilityApi.TagsAsync(host.Client, "team/app"));

        Assert.Equal(1, run!.Counts[ScanCounters.Failed]);
        Assert.Equal(ScanStatuses.Failed, status!.Status);
        Assert.Equal(1, status.Attempts);
        Assert.Contains("pulling image: unauthorized", status.Error, StringComparison.Ordinal);
        Assert.True(status.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Null(status.Counts);
        Assert.Equal(ScanStatuses.Failed, report.Status);
        Assert.Null(report.Body);
        Assert.Equal(ScanStatuses.Failed, tag.ScanStatus);
        Assert.Null(tag.Vulnerabilities);
        Assert.Empty(await StoredRows.ReadAsync(host, TableNames.ScanFindings));
    }

    [Fact]
    public async Task Scan_FailsEveryAttempt_RetriesExhaustedAfterMaxAttempts()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.FailWith = "scanner crashed";
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?> { ["Scan:MaxAttempts"] = "2" });
        var digest = ScanFixtures.NewDigest("exhausted");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var afterFirst = await ScanFixtures.StatusAsync(host, digest);
        await ScanFixtures.RunScanAsync(host);
        var afterSecond = await ScanFixtures.StatusAsync(host, digest);
        await ScanFixtures.RunScanAsync(host);

        Assert.Equal(ScanStatuses.Failed, afterFirst!.Status);
        Assert.Equal(ScanStatuses.RetriesExhausted, afterSecond!.Status);
        Assert.Equal(2, afterSecond.Attempts);
        Assert.Contains("scanner crashed", afterSecond.Error, StringComparison.Ordinal);
        Assert.Equal(2, adapter.Scans.Count);
    }

    [Fact]
    public async Task Scan_ScannerDown_RunFailsAndDigestStaysPending()
    {
        var closedPort = TestTools.FreePort();
        await using var host = await ScanFixtures.StartHostAsync(new Uri($"http://127.0.0.1:{closedPort}/"));
        var digest = ScanFixtures.NewDigest("down");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        var run = await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, digest);
        var stored = (await host.Service<JobRunStore>().RecentRunsAsync(ScanJob.JobName, 1, CancellationToken.None)).Single();

        Assert.Equal(JobRunStatus.Failed, run!.Status);
        Assert.Contains("cannot be reached", run.Message, StringComparison.Ordinal);
        Assert.Equal(JobRunStatus.Failed, stored.Status);
        Assert.Equal(ScanStatuses.Pending, status!.Status);
        Assert.Equal(0, status.Attempts);
        Assert.Null(status.Counts);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 4003);
    }

    [Fact]
    public async Task Scan_FiveThousandFindings_StoredAndReplacedWithoutStaleRows()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        adapter.Findings = _ => [.. Enumerable.Range(0, 5000).Select(i => HarborAdapterServer.Finding(
            $"CVE-2024-{i:D5}",
            $"package-{i % 300}",
            Severities.All[i % 6],
            i % 100 / 10.0,
            i % 2 == 0 ? "2.0.0" : null))];
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var digest = ScanFixtures.NewDigest("large");
        await ScanFixtures.PushAsync(host, "team/big", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var first = await VulnerabilityApi.ByTagAsync(host.Client, "team/big", "v1");
        var rowsAfterFirst = await StoredRows.ReadAsync(host, TableNames.ScanFindings);

        adapter.Findings = _ => [HarborAdapterServer.Finding("CVE-2025-0001", "openssl", "High", 8.0)];
        adapter.DatabaseUpdatedAt = "2024-05-02T10:00:00Z";
        await ScanFixtures.RunScanAsync(host);
        var second = await VulnerabilityApi.ByTagAsync(host.Client, "team/big", "v1");
        var rowsAfterSecond = await StoredRows.ReadAsync(host, TableNames.ScanFindings);
        var status = await ScanFixtures.StatusAsync(host, digest);

        Assert.Equal(5000, first.Body!.Findings.Count);
        Assert.Equal(5000, first.Body.Summary.Total);
        Assert.Equal(834, first.Body.Summary.Critical);
        Assert.Equal(5000, rowsAfterFirst.Count);
        Assert.Equal(5000, first.Body.Findings.Select(finding => finding.Id).Distinct().Count());
        Assert.Equal("CVE-2025-0001", Assert.Single(second.Body!.Findings).Id);
        Assert.Single(rowsAfterSecond);
        Assert.Null(status!.OldGeneration);
        Assert.Null(status.PendingGeneration);
    }

    [Fact]
    public async Task Scan_DatabaseUpdated_RescansCompletedDigests()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var first = ScanFixtures.NewDigest("db-1");
        var second = ScanFixtures.NewDigest("db-2");
        await ScanFixtures.PushAsync(host, "team/app", first, "v1");
        await ScanFixtures.PushAsync(host, "team/app", second, "v2");

        await ScanFixtures.RunScanAsync(host);
        var scansAfterFirstRun = adapter.Scans.Count;
        var unchanged = await ScanFixtures.RunScanAsync(host);
        var scansWithSameDatabase = adapter.Scans.Count;
        adapter.DatabaseUpdatedAt = "2024-05-03T04:00:00Z";
        var updated = await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, first);

        Assert.Equal(2, scansAfterFirstRun);
        Assert.Equal(2, scansWithSameDatabase);
        Assert.False(unchanged!.Counts.ContainsKey(ScanCounters.Claimed));
        Assert.Equal(4, adapter.Scans.Count);
        Assert.Equal(2, updated!.Counts[ScanCounters.Completed]);
        Assert.Equal("2024-05-03T04:00:00Z", status!.DatabaseVersion);
    }

    [Fact]
    public async Task Scan_ReportOlderThanMaxAge_Rescanned()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?> { ["Scan:MaxReportAge"] = "00:00:01" });
        var digest = ScanFixtures.NewDigest("old");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var completedAt = (await ScanFixtures.StatusAsync(host, digest))!.CompletedAt!.Value;
        await Eventually.ReachAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > completedAt.AddSeconds(1.5));
        await ScanFixtures.RunScanAsync(host);

        Assert.Equal(2, adapter.Scans.Count);
    }

    [Fact]
    public async Task Scan_AdapterLostRequest_Resubmits()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        adapter.LoseRequests = 1;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var digest = ScanFixtures.NewDigest("lost");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");

        await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, digest);

        Assert.Equal(2, adapter.Scans.Count);
        Assert.Equal(ScanStatuses.Completed, status!.Status);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 4103);
    }

    [Fact]
    public async Task Scan_DigestSharedByTagsAndRepositories_ScannedOnce()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var digest = ScanFixtures.NewDigest("shared");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");
        await ScanFixtures.PushAsync(host, "team/app", digest, "latest");
        await ScanFixtures.PushAsync(host, "other/app", digest, "stable");

        await ScanFixtures.RunScanAsync(host);
        await ScanFixtures.RunScanAsync(host);
        var fromOther = await VulnerabilityApi.ByTagAsync(host.Client, "other/app", "stable");
        var tags = await VulnerabilityApi.TagsAsync(host.Client, "team/app");

        Assert.Equal([digest], adapter.ScannedDigests());
        Assert.Equal(ScanStatuses.Completed, fromOther.Status);
        Assert.Equal(2, fromOther.Body!.Findings.Count);
        Assert.All(tags, tag => Assert.Equal(ScanStatuses.Completed, tag.ScanStatus));
        Assert.All(tags, tag => Assert.Equal(2, tag.Vulnerabilities!.Total));
    }

    [Fact]
    public async Task Scan_SignatureArtifact_MarkedUnsupportedWithoutScan()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var signature = ScanFixtures.NewDigest("signature");
        var unknownConfig = ScanFixtures.NewDigest("unknown-config");
        await ScanFixtures.PushAsync(host, "team/app", signature, "sha256-abc.sig", "application/vnd.dev.cosign.simplesigning.v1+json");
        await ScanFixtures.PushAsync(host, "team/app", unknownConfig, "v1", configMediaType: null);

        await ScanFixtures.RunScanAsync(host);
        var status = await ScanFixtures.StatusAsync(host, signature);

        Assert.Equal(ScanStatuses.Unsupported, status!.Status);
        Assert.Contains("not a container image", status.Error, StringComparison.Ordinal);
        Assert.Equal([unknownConfig], adapter.ScannedDigests());
    }

    [Fact]
    public async Task Scan_StuckInProgress_TakenBackAfterTimeout()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url, new Dictionary<string, string?>
        {
            ["Scan:ScanTimeout"] = "00:00:01",
            ["Scan:InProgressTimeout"] = "00:00:02",
        });
        var store = host.Service<IScanStore>();
        var stuck = ScanFixtures.NewDigest("stuck");
        var fresh = ScanFixtures.NewDigest("fresh");
        await ScanFixtures.PushAsync(host, "team/app", stuck, "v1");
        await ScanFixtures.PushAsync(host, "team/app", fresh, "v2");
        foreach (var (digest, age) in new[] { (stuck, TimeSpan.FromMinutes(5)), (fresh, TimeSpan.Zero) })
        {
            var row = (await store.GetAsync(digest, CancellationToken.None))!.Copy();
            row.Status = ScanStatuses.InProgress;
            row.Attempts = 1;
            row.ClaimedBy = "crashed-instance";
            row.ClaimedAt = DateTimeOffset.UtcNow - age;
            row.PendingGeneration = "0000000000000000001-abandoned";
            await store.WriteFindingsAsync(digest, row.PendingGeneration, [new Finding("CVE-1", "p", "1", null, Severities.Low, null, [])], CancellationToken.None);
            await store.TryReplaceAsync(row, CancellationToken.None);
        }

        await ScanFixtures.RunScanAsync(host);
        var taken = await ScanFixtures.StatusAsync(host, stuck);
        var left = await ScanFixtures.StatusAsync(host, fresh);
        var abandoned = await store.ReadFindingsAsync(stuck, "0000000000000000001-abandoned", CancellationToken.None);

        Assert.Equal([stuck], adapter.ScannedDigests());
        Assert.Equal(ScanStatuses.Completed, taken!.Status);
        Assert.Empty(abandoned);
        Assert.Equal(ScanStatuses.InProgress, left!.Status);
        Assert.Equal("crashed-instance", left.ClaimedBy);
    }

    [Fact]
    public async Task Claim_TwoWorkersOnSameRow_OnlyOneScans()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 1;
        adapter.RetrySeconds = 1;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var digest = ScanFixtures.NewDigest("race");
        await ScanFixtures.PushAsync(host, "team/app", digest, "v1");
        var row = (await ScanFixtures.StatusAsync(host, digest))!;
        var scanner = await host.Service<IScannerClient>().GetInfoAsync(CancellationToken.None);
        var candidate = new ScanCandidate(digest, "team/app", "v1", PortusFunctions.Registry.MediaTypes.OciManifest, PortusFunctions.Registry.MediaTypes.OciConfig, []);
        var decision = new ScanDecision(ScanAction.Scan, "test");
        var worker = host.Service<ScanWorker>();
        var counters = new ScanCounters();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            worker.ScanAsync(row, candidate, decision, scanner, $"owner-{i}", counters, CancellationToken.None)));

        Assert.Single(adapter.Scans);
        Assert.Equal(1, counters.Get(ScanCounters.Claimed));
        Assert.Equal(3, counters.Get(ScanCounters.ClaimsLost));
    }

    [Fact]
    public async Task Scan_IndexFromEvents_UnionWithPlatforms()
    {
        await using var adapter = await HarborAdapterServer.StartAsync();
        adapter.PendingPolls = 0;
        await using var host = await ScanFixtures.StartHostAsync(adapter.Url);
        var amd = ScanFixtures.NewDigest("amd64");
        var unknown = ScanFixtures.NewDigest("no-platform");
        var attestation = ScanFixtures.NewDigest("attestation");
        var index = ScanFixtures.NewDigest("index");
        await ScanFixtures.PushAsync(host, "team/multi", amd, null);
        await ScanFixtures.PushAsync(host, "team/multi", attestation, null, "application/vnd.in-toto+json");
        await ScanFixtures.PushAsync(
            host,
            "team/multi",
            index,
            "latest",
            mediaType: PortusFunctions.Registry.MediaTypes.OciIndex,
            children:
            [
                new(amd, PortusFunctions.Registry.MediaTypes.OciManifest, "linux/amd64", null),
                new(unknown, PortusFunctions.Registry.MediaTypes.OciManifest, null, null),
                new(attestation, PortusFunctions.Registry.MediaTypes.OciManifest, "unknown/unknown", null),
            ]);

        var run = await ScanFixtures.RunScanAsync(host);
        var report = await VulnerabilityApi.ByTagAsync(host.Client, "team/multi", "latest");

        Assert.Equal(1, run!.Counts[ScanCounters.IndexesCompleted]);
        Assert.Equal(new[] { amd, unknown }.Order(StringComparer.Ordinal), adapter.ScannedDigests().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(index, adapter.ScannedDigests());
        Assert.Equal(ScanStatuses.Completed, report.Status);
        Assert.Equal(4, report.Body!.Summary.Total);
        Assert.Equal(["linux/amd64", "linux/amd64", "unknown", "unknown"], report.Body.Findings.Select(finding => finding.Platform).Order(StringComparer.Ordinal));
        Assert.Equal(ScanStatuses.Unsupported, (await ScanFixtures.StatusAsync(host, attestation))!.Status);
    }
}
