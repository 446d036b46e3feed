using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of a real registry that answers some requests with a fault instead: an
/// error status, a delay, a body cut short or rewritten, or a changed <c>Link</c> header. It forwards request
/// bodies too, so it also fits in front of a host's webhook.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Transfer-Encoding", "Connection", "Keep-Alive", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly ConcurrentQueue<string> _requests = new();

    private FaultProxy(WebApplication app, HttpClient upstream, Uri target, Uri url)
    {
        _app = app;
        _upstream = upstream;
        _target = target;
        Url = url;
    }

    /// <summary>Base URL of the proxy.</summary>
    public Uri Url { get; }

    /// <summary>Decides the fault of each request, or null to pass it through; null passes every request.</summary>
    public Func<HttpRequest, ProxyFault?>? Rule { get; set; }

    /// <summary>
    /// Amount added to the <c>Date</c> header of every response from the registry, as a registry replica whose clock
    /// runs ahead would send it; zero leaves the header as it is.
    /// </summary>
    public TimeSpan DateShift { get; set; }

    /// <summary>Every request seen, as <c>METHOD PATH?QUERY</c>.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Starts a proxy in front of <paramref name="target"/>.</summary>
    public static async Task<FaultProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
        FaultProxy? proxy = null;
        app.Run(context => proxy!.HandleAsync(context));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        proxy = new FaultProxy(app, upstream, target, new Uri(address + "/"));
        return proxy;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        var fault = Rule?.Invoke(request);
        if (fault?.Delay is { } delay)
        {
            await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
        }

        if (fault?.Until is { } gate)
        {
            await gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        }

        if (fault?.Status is { } status)
        {
            context.Response.StatusCode = status;
            foreach (var (name, value) in fault.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            if (fault.Body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(fault.Body(""), context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, $"{request.Path}{request.QueryString}"));
        using var requestBody = new MemoryStream();
        await request.Body.CopyToAsync(requestBody, context.RequestAborted).ConfigureAwait(false);
        if (requestBody.Length > 0)
        {
            forward.Content = new ByteArrayContent(requestBody.ToArray());
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!HopHeaders.Contains(name)
                && !name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                && !forward.Headers.TryAddWithoutValidation(name, value.ToArray()))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, value.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(forward, context.RequestAborted).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
        if (fault?.DelayAnswer is { } answerDelay)
        {
            await Task.Delay(answerDelay, context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        if (DateShift != TimeSpan.Zero && response.Headers.Date is { } date)
        {
            context.Response.Headers.Date = (date + DateShift).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        // The proxy rewrites the registry's own links to point at itself.
        if (response.Headers.TryGetValues("Link", out var links))
        {
            context.Response.Headers["Link"] = links.Select(link => link.Replace(_target.GetLeftPart(UriPartial.Authority), Url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)).ToArray();
        }

        if (fault?.Link is { } rewriteLink)
        {
            var current = context.Response.Headers.Link.ToString();
            var rewritten = rewriteLink(current.Length == 0 ? null : current);
            if (rewritten is null)
            {
                context.Response.Headers.Remove("Link");
            }
            else
            {
                context.Response.Headers["Link"] = rewritten;
            }
        }

        if (fault?.Body is { } rewriteBody)
        {
            body = Encoding.UTF8.GetBytes(rewriteBody(Encoding.UTF8.GetString(body)));
        }

        if (request.Method == HttpMethods.Head)
        {
            if (response.Content.Headers.ContentLength is { } length)
            {
                context.Response.ContentLength = length;
            }

            return;
        }

        if (fault?.AbortAfterBytes is { } sent)
        {
            // Announce the whole body, send part of it, and drop the connection, as a failing network does.
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, Math.Min(sent, body.Length)), context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            context.Abort();
            return;
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>What the proxy does to one request instead of passing it through unchanged.</summary>
/// <param name="Status">Answer this status without asking the registry.</param>
/// <param name="Headers">Headers of that answer, such as <c>Retry-After</c>.</param>
/// <param name="Delay">Wait this long before asking the registry.</param>
/// <param name="Body">Rewrite the registry's body (or, with <paramref name="Status"/>, write this body).</param>
/// <param name="Link">Rewrite the <c>Link</c> header; returning null removes it.</param>
/// <param name="AbortAfterBytes">Send only this many bytes of the body, then drop the connection.</param>
/// <param name="DelayAnswer">Wait this long after the registry answered, so the answer arrives late but says what the registry held earlier.</param>
/// <param name="Until">Wait until this task completes before asking the registry, so a test decides when the request goes on.</param>
internal sealed record ProxyFault(
    int? Status = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    TimeSpan? Delay = null,
    Func<string, string>? Body = null,
    Func<string?, string?>? Link = null,
    int? AbortAfterBytes = null,
    TimeSpan? DelayAnswer = null,
    Task? Until = null);
