using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A webhook subscriber on a free 127.0.0.1 port: records every request it receives and responds with the status
/// codes queued by <see cref="RespondWith"/>, then 200.
/// </summary>
internal sealed class SubscriberServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _responses = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private SubscriberServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>URL that subscriptions point at.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Requests received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Starts a subscriber.</summary>
    public static async Task<SubscriberServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new SubscriberServer(app);
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address + "/hook");
        return server;
    }

    /// <summary>Answers the next requests with <paramref name="statuses"/>, in order, before going back to 200.</summary>
    public void RespondWith(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _responses.Enqueue((status, null));
        }
    }

    /// <summary>Answers the next request with <paramref name="status"/> and <c>Retry-After: SECONDS</c>.</summary>
    public void RespondWithRetryAfter(int status, int seconds) =>
        _responses.Enqueue((status, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Waits until at least <paramref name="count"/> requests arrived, and returns them all.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count) =>
        Eventually.ReachAsync(() => Task.FromResult(Received), received => received.Count >= count);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _received.Enqueue(new ReceivedRequest(context.Request.Path, headers, body.ToArray(), DateTimeOffset.UtcNow));
        if (_responses.TryDequeue(out var response))
        {
            context.Response.StatusCode = response.Status;
            if (response.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = response.RetryAfter;
            }
        }
    }
}

/// <summary>One request a <see cref="SubscriberServer"/> received.</summary>
/// <param name="Path">Request path.</param>
/// <param name="Headers">Request headers, with names compared ignoring case.</param>
/// <param name="Body">Body bytes.</param>
/// <param name="ReceivedAt">Arrival time.</param>
internal sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ReceivedAt)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>Returns a header value, or null when the header is absent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
