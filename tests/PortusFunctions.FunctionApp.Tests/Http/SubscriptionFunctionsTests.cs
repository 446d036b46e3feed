using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.FunctionApp.Http;
using PortusFunctions.Http;
using PortusFunctions.Storage;
using PortusFunctions.Webhooks;
using PortusFunctions.Webhooks.Api;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.FunctionApp.Tests.Http;

public sealed class SubscriptionFunctionsTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";

    private readonly Mock<ISubscriptionStore> _subscriptions = new(MockBehavior.Strict);
    private readonly Mock<IOutboxStore> _outbox = new(MockBehavior.Strict);
    private readonly OutboxOptions _options = new();

    [Fact]
    public async Task Create_ValidBody_StoresAndReturns201()
    {
        Subscription? stored = null;
        _subscriptions.Setup(store => store.AddAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()))
            .Callback<Subscription, CancellationToken>((subscription, _) => stored = subscription)
            .Returns(Task.CompletedTask);
        var context = NewRequest("Bearer admin", """{"url":"https://203.0.113.10/hook","events":["tag.pushed"],"secret":"0123456789abcdef"}""");

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().CreateAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(201, status);
        Assert.NotNull(stored);
        Assert.Equal("0123456789abcdef", stored.Secret);
        Assert.Contains($"\"id\":\"{stored.Id}\"", body, StringComparison.Ordinal);
        Assert.Contains("\"hasSecret\":true", body, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"url":"https://203.0.113.10/hook","events":["tag.pushd"]}""", "events")]
    [InlineData("""{"url":"https://203.0.113.10/hook","events":["vulnerabilities.found"],"minimumSeverity":"urgent"}""", "minimumSeverity")]
    [InlineData("""{"url":"https://10.0.0.8/hook","events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"http://203.0.113.10/hook","events":["tag.pushed"]}""", "url")]
    [InlineData("""{"url":"https://203.0.113.10/hook","events":["tag.pushed"],"repositories":["UPPER"]}""", "repositories")]
    public async Task Create_InvalidField_Returns400NamingItWithoutStoring(string json, string field)
    {
        var context = NewRequest("Bearer admin", json);

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().CreateAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.Contains($"\"{field}\":[", body, StringComparison.Ordinal);
        _subscriptions.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Create_ReaderKey_Returns401WithoutStoring()
    {
        var context = NewRequest("Bearer reader", """{"url":"https://203.0.113.10/hook","events":["tag.pushed"]}""");

        var (status, _) = await FunctionResults.ExecuteAsync(await CreateFunctions().CreateAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(401, status);
        _subscriptions.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Create_StorageDown_Returns503()
    {
        _subscriptions.Setup(store => store.AddAsync(It.IsAny<Subscription>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StorageUnavailableException("down"));
        var context = NewRequest("Bearer admin", """{"url":"https://203.0.113.10/hook","events":["tag.pushed"]}""");

        var (status, _) = await FunctionResults.ExecuteAsync(await CreateFunctions().CreateAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(503, status);
    }

    [Fact]
    public async Task List_Subscriptions_LeavesSecretAndHeaderValuesOut()
    {
        _subscriptions.Setup(store => store.ListAsync(It.IsAny<CancellationToken>())).ReturnsAsync([Stored()]);
        var context = NewRequest("Bearer admin");

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().ListAsync(context.Request, CancellationToken.None), context);

        Assert.Equal(200, status);
        Assert.Contains($"\"id\":\"{Id}\"", body, StringComparison.Ordinal);
        Assert.Contains("\"headerNames\":[\"Authorization\"]", body, StringComparison.Ordinal);
        Assert.DoesNotContain("stored-secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("header-token", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Unknown_Returns404()
    {
        _subscriptions.Setup(store => store.GetAsync(Id, It.IsAny<CancellationToken>())).ReturnsAsync((Subscription?)null);
        var context = NewRequest("Bearer admin");

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().GetAsync(context.Request, Id, CancellationToken.None), context);

        Assert.Equal(404, status);
        Assert.Contains(Id, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_Existing_RemovesDeliveriesAndReturns204()
    {
        _subscriptions.Setup(store => store.DeleteAsync(Id, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _outbox.Setup(outbox => outbox.DeleteSubscriptionAsync(Id, It.IsAny<CancellationToken>())).ReturnsAsync(3);
        var context = NewRequest("Bearer admin");

        var (status, _) = await FunctionResults.ExecuteAsync(await CreateFunctions().DeleteAsync(context.Request, Id, CancellationToken.None), context);

        Assert.Equal(204, status);
        _outbox.VerifyAll();
    }

    [Fact]
    public async Task ListDeliveries_Existing_ReturnsAttemptState()
    {
        var next = new DateTimeOffset(2026, 12, 4, 10, 5, 0, TimeSpan.Zero);
        _subscriptions.Setup(store => store.GetAsync(Id, It.IsAny<CancellationToken>())).ReturnsAsync(Stored());
        _outbox.Setup(outbox => outbox.ListRecentAsync(Id, 10, It.IsAny<CancellationToken>())).ReturnsAsync(
        [
            new DeliveryRecord
            {
                SubscriptionId = Id,
                RowKey = "k",
                DeliveryId = "d1",
                EventId = "e1",
                EventType = WebhookEventTypes.TagPushed,
                Repository = "team/app",
                Subject = "team/app:v1",
                ChangeTime = next.AddMinutes(-5),
                CreatedAt = next.AddMinutes(-5),
                ContentType = "application/json",
                Attempts = 2,
                LastStatusCode = 502,
                LastError = "HTTP 502 Bad Gateway",
                NextAttemptAt = next,
            },
        ]);
        var context = NewRequest("Bearer admin");
        context.Request.QueryString = new QueryString("?limit=10");

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().ListDeliveriesAsync(context.Request, Id, CancellationToken.None), context);

        Assert.Equal(200, status);
        Assert.Contains("\"status\":\"pending\",\"attempts\":2,\"lastStatusCode\":502", body, StringComparison.Ordinal);
        Assert.Contains("\"nextAttemptAt\":\"2026-12-04T10:05:00+00:00\"", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("ten")]
    public async Task ListDeliveries_InvalidLimit_Returns400NamingIt(string limit)
    {
        var context = NewRequest("Bearer admin");
        context.Request.QueryString = new QueryString($"?limit={limit}");

        var (status, body) = await FunctionResults.ExecuteAsync(await CreateFunctions().ListDeliveriesAsync(context.Request, Id, CancellationToken.None), context);

        Assert.Equal(400, status);
        Assert.Contains("'limit'", body, StringComparison.Ordinal);
    }

    private SubscriptionFunctions CreateFunctions()
    {
        var access = new ApiAccess(Mock.Of<IOptionsMonitor<AccessOptions>>(monitor =>
            monitor.CurrentValue == new AccessOptions { ReaderKey = "reader", AdminKey = "admin" }));
        var options = Mock.Of<IOptionsMonitor<OutboxOptions>>(monitor => monitor.CurrentValue == _options);
        var endpoints = new SubscriptionEndpoints(
            access,
            _subscriptions.Object,
            _outbox.Object,
            new WebhookTargetGuard(options),
            TimeProvider.System,
            NullLogger<SubscriptionEndpoints>.Instance);
        return new SubscriptionFunctions(endpoints);
    }

    private static Subscription Stored() => new()
    {
        Id = Id,
        Url = new Uri("https://203.0.113.10/hook"),
        Filter = new RepositoryFilter(["team/*"], null),
        Events = [WebhookEventTypes.TagPushed],
        Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer header-token" },
        Secret = "stored-secret-0123456789",
    };

    private static DefaultHttpContext NewRequest(string authorization, string? body = null)
    {
        var context = FunctionResults.NewContext();
        context.Request.Method = body is null ? "GET" : "POST";
        context.Request.Headers.Authorization = authorization;
        if (body is not null)
        {
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        }

        return context;
    }
}
