using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.FunctionApp.Http;
using PortusFunctions.Http;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.FunctionApp.Tests.Http;

public sealed class SyncFunctionsTests
{
    private const string ReaderKey = "reader-key";
    private const string AdminKey = "admin-key";

    [Fact]
    public async Task RunSync_AdminKey_RunsManualSyncAndAnswersRun()
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(SyncTrigger.Manual, false, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncRunResult(SyncOutcome.Paused, "Paused after the time budget.", Run("paused")));

        var (status, body) = await ExecuteAsync(Functions(sync.Object).RunAsync, Request(AdminKey));

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("paused", body.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("run-1", body.RootElement.GetProperty("run").GetProperty("runId").GetString());
        Assert.Equal(12, body.RootElement.GetProperty("run").GetProperty("counts").GetProperty("TagsRead").GetInt64());
        sync.Verify(service => service.RunAsync(SyncTrigger.Manual, false, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RunSync_ConfirmDeletes_PassesConfirmation()
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(SyncTrigger.Manual, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncRunResult(SyncOutcome.Completed, "Applied.", Run("completed")));

        var (status, _) = await ExecuteAsync(Functions(sync.Object).RunAsync, Request(AdminKey, "?confirmDeletes=true"));

        Assert.Equal(StatusCodes.Status200OK, status);
        sync.Verify(service => service.RunAsync(SyncTrigger.Manual, true, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RunSync_ReaderKey_Answers401WithoutRunning()
    {
        var sync = new Mock<ISyncService>();

        var (status, _) = await ExecuteAsync(Functions(sync.Object).RunAsync, Request(ReaderKey));

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        sync.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(SyncOutcome.Skipped, StatusCodes.Status409Conflict)]
    [InlineData(SyncOutcome.Disabled, StatusCodes.Status409Conflict)]
    [InlineData(SyncOutcome.NotConfigured, StatusCodes.Status409Conflict)]
    [InlineData(SyncOutcome.Failed, StatusCodes.Status502BadGateway)]
    public async Task RunSync_RunNotDone_AnswersProblem(SyncOutcome outcome, int expected)
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(It.IsAny<SyncTrigger>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncRunResult(outcome, "The reason.", null));

        var (status, body) = await ExecuteAsync(Functions(sync.Object).RunAsync, Request(AdminKey));

        Assert.Equal(expected, status);
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task RunSync_StorageUnavailable_Answers503()
    {
        var sync = new Mock<ISyncService>();
        sync.Setup(service => service.RunAsync(It.IsAny<SyncTrigger>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StorageUnavailableException("Table Storage is unavailable."));

        var (status, _) = await ExecuteAsync(Functions(sync.Object).RunAsync, Request(AdminKey));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
    }

    [Fact]
    public async Task SyncStatus_ReaderKey_AnswersRunAndHeldDeletes()
    {
        var sync = new Mock<ISyncService>();
        var state = new SyncState
        {
            PassId = "pass-2",
            Cursor = "team/app",
            HeldPassId = "pass-1",
            HeldPassStartedAt = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero),
            HeldAt = new DateTimeOffset(2026, 3, 1, 10, 5, 0, TimeSpan.Zero),
            HeldSummary = "3 tags",
            HeldConfirmedAt = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero),
        };
        sync.Setup(service => service.GetStatusAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SyncStatus("update-delete", Run("running"), state));

        var (status, body) = await ExecuteAsync(Functions(sync.Object).StatusAsync, Request(ReaderKey));

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("update-delete", body.RootElement.GetProperty("strategy").GetString());
        Assert.Equal("running", body.RootElement.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal("team/app", body.RootElement.GetProperty("pass").GetProperty("cursor").GetString());
        var hold = body.RootElement.GetProperty("heldDeletes");
        Assert.Equal("pass-1", hold.GetProperty("passId").GetString());
        Assert.Equal(state.HeldPassStartedAt, hold.GetProperty("passStartedAt").GetDateTimeOffset());
        Assert.Equal(state.HeldAt, hold.GetProperty("heldAt").GetDateTimeOffset());
        Assert.Equal(state.HeldConfirmedAt, hold.GetProperty("confirmedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task SyncStatus_NoKey_Answers401()
    {
        var sync = new Mock<ISyncService>();

        var (status, _) = await ExecuteAsync(Functions(sync.Object).StatusAsync, Request(null));

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        sync.VerifyNoOtherCalls();
    }

    private static SyncFunctions Functions(ISyncService sync)
    {
        var options = new Mock<IOptionsMonitor<AccessOptions>>();
        options.Setup(monitor => monitor.CurrentValue).Returns(new AccessOptions { ReaderKey = ReaderKey, AdminKey = AdminKey });
        return new SyncFunctions(new SyncEndpoints(sync, new ApiAccess(options.Object)));
    }

    private static JobRun Run(string status)
    {
        var run = new JobRun { Job = "sync", RunId = "run-1", StartedAt = DateTimeOffset.UnixEpoch, Status = status };
        run.Counts["TagsRead"] = 12;
        run.Properties["Strategy"] = "update";
        return run;
    }

    private static HttpRequest Request(string? key, string query = "")
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Request.QueryString = new QueryString(query);
        if (key is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + key;
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    private static async Task<(int Status, JsonDocument Body)> ExecuteAsync(
        Func<HttpRequest, CancellationToken, Task<IActionResult>> function,
        HttpRequest request)
    {
        var result = await function(request, CancellationToken.None);
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return (context.Response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text));
    }
}
