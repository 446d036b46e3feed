using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.Events;
using PortusFunctions.Http;
using PortusFunctions.Storage;

namespace PortusFunctions.Tests.Http;

public sealed class WebhookEndpointTests
{
    private const string Secret = "s3cret";
    private const string Envelope = """{"events":[{"id":"a","timestamp":"2026-12-04T10:00:00Z","action":"pull","target":{}}]}""";

    private readonly Mock<IEventIngestion> _ingestion = new(MockBehavior.Strict);

    [Fact]
    public async Task Handle_RightSecret_IngestsAndReturns202()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(It.Is<IReadOnlyList<IncomingEvent>>(events => events.Count == 1), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IngestResult(1, 0, 1, 0));

        var (status, body) = await SendAsync(Envelope, "Bearer " + Secret);

        Assert.Equal(StatusCodes.Status202Accepted, status);
        Assert.Equal("{\"received\":1,\"accepted\":0,\"ignored\":1,\"quarantined\":0}", body);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("Basic czNjcmV0")]
    [InlineData("s3cret")]
    [InlineData("Bearer s3cret-and-more")]
    public async Task Handle_MissingOrWrongSecret_Returns401WithoutIngesting(string? authorization)
    {
        var (status, _) = await SendAsync(Envelope, authorization);

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        _ingestion.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Handle_SchemeInOtherCase_IsAccepted()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(It.IsAny<IReadOnlyList<IncomingEvent>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IngestResult(1, 0, 1, 0));

        var (status, _) = await SendAsync(Envelope, "bearer " + Secret);

        Assert.Equal(StatusCodes.Status202Accepted, status);
    }

    [Fact]
    public async Task Handle_StorageUnavailable_Returns503WithRetryAfter()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(It.IsAny<IReadOnlyList<IncomingEvent>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StorageUnavailableException("down"));

        var context = NewContext(Envelope, "Bearer " + Secret);
        var result = await CreateEndpoint().HandleAsync(context.Request, CancellationToken.None);
        await result.ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Handle_InvalidJson_Returns400ProblemWithoutIngesting()
    {
        var (status, body) = await SendAsync("{not json", "Bearer " + Secret);

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Contains("not valid JSON", body, StringComparison.Ordinal);
        _ingestion.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Handle_DevelopmentModeWithoutSecret_AcceptsAnonymous()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(It.IsAny<IReadOnlyList<IncomingEvent>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IngestResult(1, 0, 1, 0));

        var (status, _) = await SendAsync(Envelope, authorization: null, secret: null, developmentMode: true);

        Assert.Equal(StatusCodes.Status202Accepted, status);
    }

    private async Task<(int Status, string Body)> SendAsync(string body, string? authorization, string? secret = Secret, bool developmentMode = false)
    {
        var context = NewContext(body, authorization);
        var result = await CreateEndpoint(secret, developmentMode).HandleAsync(context.Request, CancellationToken.None);
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    private WebhookEndpoint CreateEndpoint(string? secret = Secret, bool developmentMode = false) => new(
        _ingestion.Object,
        Monitor(new WebhookOptions { Secret = secret }),
        Monitor(new AccessOptions { DevelopmentMode = developmentMode }),
        NullLogger<WebhookEndpoint>.Instance);

    private static DefaultHttpContext NewContext(string body, string? authorization)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.ContentType = "application/vnd.docker.distribution.events.v1+json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context;
    }

    private static IOptionsMonitor<T> Monitor<T>(T value)
        where T : class => Mock.Of<IOptionsMonitor<T>>(monitor => monitor.CurrentValue == value);
}
