using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace PortusFunctions.Registry;

/// <summary>Registers the registry client, its authentication and its resilience pipeline.</summary>
public static partial class RegistryServiceCollectionExtensions
{
    /// <summary>Maximum <c>Retry-After</c> honoured; a longer <c>Retry-After</c> waits this long.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds <see cref="RegistryClient"/> and <see cref="IRegistryPullAuthorization"/>, and the validation of
    /// <see cref="RegistryOptions"/>, which the caller binds. A second call adds nothing.
    /// </summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        if (services.Any(descriptor => descriptor.ServiceType == typeof(RegistryAuthenticator)))
        {
            return services;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RegistryAuthenticator>();
        services.TryAddSingleton<IRegistryPullAuthorization>(provider => provider.GetRequiredService<RegistryAuthenticator>());
        services.TryAddTransient<RegistryAuthHandler>();

        var authClient = services.AddHttpClient(RegistryAuthenticator.AuthClientName, ConfigureClient);
        authClient.AddResilienceHandler("registry-auth", ConfigurePipeline);
        authClient.AddHttpMessageHandler(() => new ResponseBufferingHandler());

        // Handlers run in the order added: credentials outside the retries, so a retried attempt keeps its
        // credentials, and the body is read inside them, so a body cut short is retried too.
        var client = services.AddHttpClient<RegistryClient>((provider, client) =>
        {
            ConfigureClient(provider, client);
            var options = provider.GetRequiredService<IOptions<RegistryOptions>>().Value;
            if (options.IsConfigured)
            {
                client.BaseAddress = options.BaseAddress();
            }
        });
        client.AddHttpMessageHandler<RegistryAuthHandler>();
        client.AddResilienceHandler("registry", ConfigurePipeline);
        client.AddHttpMessageHandler(() => new ResponseBufferingHandler());
        return services;
    }

    private static void ConfigureClient(IServiceProvider provider, HttpClient client)
    {
        // Each attempt has its own timeout in the pipeline; the caller's token bounds the whole request.
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("PortusFunctions/1.0");
    }

    private static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<RegistryOptions>>().Value;
        var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger<RegistryClient>();
        builder.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            ShouldHandle = arguments => ValueTask.FromResult(options.MaxRetries > 0 && HttpClientResiliencePredicates.IsTransient(arguments.Outcome)),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryDelay,
            MaxDelay = MaxBackoff,
            ShouldRetryAfterHeader = false,
            DelayGenerator = arguments => ValueTask.FromResult(RetryAfterDelay(arguments.Outcome.Result, TimeProvider.System.GetUtcNow())),
            OnRetry = arguments =>
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    // A failure without a response carries no request, so it comes from the context.
                    var request = arguments.Outcome.Result?.RequestMessage ?? arguments.Context.GetRequestMessage();
                    var url = RequestUrl(request?.RequestUri);
                    var reason = RetryReason(arguments.Outcome);
                    var method = request?.Method.Method ?? "(unknown method)";
                    LogRetry(logger, method, url, reason, arguments.AttemptNumber + 1, arguments.RetryDelay.TotalMilliseconds);
                }

                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(options.RequestTimeout);
    }

    /// <summary>Returns the URL of a request for a log line, without any user info it carries.</summary>
    internal static string RequestUrl(Uri? uri) => uri is null
        ? "(unknown URL)"
        : uri.IsAbsoluteUri
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery, UriFormat.UriEscaped)
            : uri.OriginalString;

    /// <summary>Describes why an attempt failed: the response status, the timeout that expired, or the exception.</summary>
    internal static string RetryReason(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => $"returned {(int)response.StatusCode} {response.ReasonPhrase}",
        { Exception: TimeoutRejectedException timeout } => string.Create(
            CultureInfo.InvariantCulture,
            $"timed out after {timeout.Timeout.TotalSeconds:0.###} s (Registry__RequestTimeout)"),
        { Exception: { } exception } => $"failed with {exception.GetType().Name}: {exception.Message}",
        _ => "failed",
    };

    /// <summary>
    /// Returns the delay that the <c>Retry-After</c> of a 429 or 503 response requests, at most <see cref="MaxRetryAfter"/>, or
    /// null when it names none, so the exponential backoff applies.
    /// </summary>
    internal static TimeSpan? RetryAfterDelay(HttpResponseMessage? response, DateTimeOffset now)
    {
        if (response?.Headers.RetryAfter is not { } retryAfter
            || response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return null;
        }

        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : null);
        if (delay is null)
        {
            return null;
        }

        if (delay < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return delay > MaxRetryAfter ? MaxRetryAfter : delay;
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Registry request {Method} {Url} {Reason}; attempt {Attempt} follows in {DelayMilliseconds} ms")]
    private static partial void LogRetry(ILogger logger, string method, string url, string reason, int attempt, double delayMilliseconds);
}
