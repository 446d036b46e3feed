using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using PortusFunctions.Access;
using PortusFunctions.Events;
using PortusFunctions.FunctionApp.Http;
using PortusFunctions.Http;
using PortusFunctions.Storage;

namespace PortusFunctions.FunctionApp.Tests.Http;

public sealed class RegistryEventsFunctionTests
{
    private const string Envelope = """{"events":[{"id":"a","timestamp":"2026-12-04T10:00:00Z","action":"delete","target":{"repository":"team/app","tag":"v1"}}]}""";

    private readonly Mock<IEventIngestion> _ingestion = new(MockBehavior.Strict);

    [Fact]
    public async Task Run_AuthenticatedEnvelope_PassesEventsOnAndReturns202()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(
                It.Is<IReadOnlyList<IncomingEvent>>(events => events.Single().Event!.Id == "a"),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IngestResult(1, 1, 0, 0));

        var (status, body) = await RunAsync(Envelope, "Bearer secret");

        Assert.Equal(202, status);
        Assert.Contains("\"accepted\":1", body, StringComparison.Ordinal);
        _ingestion.VerifyAll();
    }

    [Fact]
    public async Task Run_WrongSecret_Returns401AndDoesNotIngest()
    {
        var (status, _) = await RunAsync(Envelope, "Bearer other");

        Assert.Equal(401, status);
        _ingestion.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Run_StorageDown_Returns503()
    {
        _ingestion.Setup(ingestion => ingestion.IngestAsync(It.IsAny<IReadOnlyList<IncomingEvent>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StorageUnavailableException("down"));

        var (status, _) = await RunAsync(Envelope, "Bearer secret");

        Assert.Equal(503, status);
    }

    private async Task<(int Status, string Body)> RunAsync(string body, string authorization)
    {
        var endpoint = new WebhookEndpoint(
            _ingestion.Object,
            Mock.Of<IOptionsMonitor<WebhookOptions>>(monitor => monitor.CurrentValue == new WebhookOptions { Secret = "secret" }),
            Mock.Of<IOptionsMonitor<AccessOptions>>(monitor => monitor.CurrentValue == new AccessOptions()),
            NullLogger<WebhookEndpoint>.Instance);
        var function = new RegistryEventsFunction(endpoint);
        var context = FunctionResults.NewContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Headers.Authorization = authorization;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));

        var result = await function.RunAsync(context.Request, CancellationToken.None);

        return await FunctionResults.ExecuteAsync(result, context);
    }
}
