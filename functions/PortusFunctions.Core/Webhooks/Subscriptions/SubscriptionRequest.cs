using System.Text.Json;
using System.Text.Unicode;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;

namespace PortusFunctions.Webhooks.Subscriptions;

/// <summary>An invalid field of a subscription request and why.</summary>
/// <param name="Field">Name of the JSON field, such as <c>url</c>.</param>
/// <param name="Message">What is wrong and what is accepted.</param>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// The body of <c>POST /api/subscriptions</c>, parsed and checked field by field, except the target's addresses,
/// which <see cref="Delivery.WebhookTargetGuard"/> checks.
/// </summary>
public sealed class SubscriptionRequest
{
    /// <summary>Maximum length of the target URL.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>Maximum number of custom headers.</summary>
    public const int MaxHeaders = 20;

    /// <summary>Maximum length of a custom header value.</summary>
    public const int MaxHeaderValueLength = 4096;

    /// <summary>Shortest accepted secret.</summary>
    public const int MinSecretLength = 16;

    /// <summary>Longest accepted secret.</summary>
    public const int MaxSecretLength = 256;

    /// <summary>Longest accepted description.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>Fields of the request body.</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["url", "repositories", "namespace", "events", "minimumSeverity", "format", "headers", "secret", "description"];

    /// <summary>
    /// Headers a subscription may not set: hop-by-hop headers, headers the HTTP client computes, and the
    /// <c>Portus-</c> headers that carry the delivery id, event type, timestamp and signature.
    /// </summary>
    public static IReadOnlySet<string> ReservedHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Content-Type", "Content-Encoding", "Expect",
    };

    private SubscriptionRequest()
    {
    }

    /// <summary>Target URL.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Repository filter.</summary>
    public RepositoryFilter Filter { get; private set; } = RepositoryFilter.Everything;

    /// <summary>Event types, without duplicates, in the order given.</summary>
    public IReadOnlyList<string> Events { get; private set; } = [];

    /// <summary>Minimum severity of <c>vulnerabilities.found</c>.</summary>
    public VulnerabilitySeverity? MinimumSeverity { get; private set; }

    /// <summary>Payload format.</summary>
    public PayloadFormat Format { get; private set; }

    /// <summary>Custom headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; private set; } = new Dictionary<string, string>();

    /// <summary>Signing secret, or null.</summary>
    public string? Secret { get; private set; }

    /// <summary>Description, or null.</summary>
    public string? Description { get; private set; }

    /// <summary>Parses <paramref name="body"/>; returns the request, or the errors of every invalid field.</summary>
    public static (SubscriptionRequest? Request, IReadOnlyList<FieldError> Errors) Parse(ReadOnlyMemory<byte> body)
    {
        if (!Utf8.IsValid(body.Span))
        {
            return (null, [new FieldError("body", "the body is not valid UTF-8: send the JSON object encoded as UTF-8")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            return (null, [new FieldError("body", $"the body is not valid JSON ({exception.Message}): send a JSON object with the fields {string.Join(", ", Fields)}")]);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, [new FieldError("body", $"the body must be a JSON object with the fields {string.Join(", ", Fields)}")]);
            }

            var request = new SubscriptionRequest();
            var errors = new List<FieldError>();
            request.Read(document.RootElement, errors);
            return errors.Count == 0 ? (request, []) : (null, errors);
        }
    }

    private void Read(JsonElement root, List<FieldError> errors)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add(new FieldError(property.Name, $"unknown field '{property.Name}': accepted fields are {string.Join(", ", Fields)}"));
            }
        }

        ReadUrl(root, errors);
        ReadFilter(root, errors);
        ReadEvents(root, errors);
        ReadFormat(root, errors);
        ReadHeaders(root, errors);
        ReadSecret(root, errors);
        Description = OptionalString(root, "description", MaxDescriptionLength, errors);
    }

    private void ReadUrl(JsonElement root, List<FieldError> errors)
    {
        if (!root.TryGetProperty("url", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError("url", "the target URL is missing: set 'url' to an absolute https URL"));
            return;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError("url", "'url' must be a string holding an absolute https URL"));
            return;
        }

        var text = value.GetString()!;
        if (text.Length > MaxUrlLength)
        {
            errors.Add(new FieldError("url", $"the URL is longer than {MaxUrlLength} characters"));
            return;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
        {
            errors.Add(new FieldError("url", $"'{text}' is not an absolute URL: expected https://HOST[:PORT]/PATH"));
            return;
        }

        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
        {
            errors.Add(new FieldError("url", $"scheme '{url.Scheme}' is not supported: use https"));
            return;
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            errors.Add(new FieldError("url", "the URL contains a user name or password: send credentials in 'headers', such as Authorization, instead"));
            return;
        }

        if (!string.IsNullOrEmpty(url.Fragment))
        {
            errors.Add(new FieldError("url", "the URL contains a fragment ('#...'), which is never sent: remove it"));
            return;
        }

        Url = url;
    }

    private void ReadFilter(JsonElement root, List<FieldError> errors)
    {
        var patterns = new List<string>();
        if (root.TryGetProperty("repositories", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            {
                errors.Add(new FieldError("repositories", "'repositories' must be an array of repository names or patterns, such as [\"team/app\", \"team/*\", \"team/**\"]"));
            }
            else if (value.GetArrayLength() > RepositoryFilter.MaxPatterns)
            {
                errors.Add(new FieldError("repositories", $"'repositories' contains {value.GetArrayLength()} patterns; at most {RepositoryFilter.MaxPatterns} are accepted"));
            }
            else
            {
                foreach (var item in value.EnumerateArray())
                {
                    var pattern = item.GetString()!;
                    if (RepositoryPattern.Validate(pattern) is { } problem)
                    {
                        errors.Add(new FieldError("repositories", $"{problem}; accepted: a repository name, '*' within a path component, '**' for any number of components"));
                    }
                    else if (!patterns.Contains(pattern, StringComparer.Ordinal))
                    {
                        patterns.Add(pattern);
                    }
                }
            }
        }

        var repositoryNamespace = OptionalString(root, "namespace", ReferenceRules.MaxRepositoryLength, errors);
        if (repositoryNamespace is not null && (repositoryNamespace.Contains('/', StringComparison.Ordinal) || !ReferenceRules.IsValidRepository(repositoryNamespace)))
        {
            errors.Add(new FieldError("namespace", $"'{repositoryNamespace}' is not a namespace: expected the first path component of repository names, such as 'team'"));
            repositoryNamespace = null;
        }

        Filter = new RepositoryFilter(patterns, repositoryNamespace);
    }

    private void ReadEvents(JsonElement root, List<FieldError> errors)
    {
        var accepted = string.Join(", ", WebhookEventTypes.All);
        if (!root.TryGetProperty("events", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError("events", $"'events' is missing: list at least one of {accepted}"));
            return;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0 || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            errors.Add(new FieldError("events", $"'events' must be a non-empty array of event types: {accepted}"));
            return;
        }

        var events = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            var type = item.GetString()!;
            if (!WebhookEventTypes.IsKnown(type))
            {
                errors.Add(new FieldError("events", $"'{type}' is not an event type: accepted are {accepted}"));
            }
            else if (!events.Contains(type, StringComparer.Ordinal))
            {
                events.Add(type);
            }
        }

        Events = events;

        var severity = OptionalString(root, "minimumSeverity", 20, errors);
        var wantsVulnerabilities = events.Contains(WebhookEventTypes.VulnerabilitiesFound, StringComparer.Ordinal);
        var names = string.Join(", ", MinimumSeverities.Names);
        if (severity is null)
        {
            if (wantsVulnerabilities)
            {
                errors.Add(new FieldError("minimumSeverity", $"'minimumSeverity' is missing: '{WebhookEventTypes.VulnerabilitiesFound}' needs one of {names}"));
            }
        }
        else if (!MinimumSeverities.TryParse(severity, out var minimum))
        {
            errors.Add(new FieldError("minimumSeverity", $"'{severity}' is not a severity: accepted are {names}"));
        }
        else if (!wantsVulnerabilities)
        {
            errors.Add(new FieldError("minimumSeverity", $"'minimumSeverity' applies only to '{WebhookEventTypes.VulnerabilitiesFound}': add that event type or remove the field"));
        }
        else
        {
            MinimumSeverity = minimum;
        }
    }

    private void ReadFormat(JsonElement root, List<FieldError> errors)
    {
        var format = OptionalString(root, "format", 20, errors);
        switch (format)
        {
            case null or "json":
                Format = PayloadFormat.Json;
                break;
            case "cloudevents":
                Format = PayloadFormat.CloudEvents;
                break;
            default:
                errors.Add(new FieldError("format", $"'{format}' is not a payload format: accepted are json (the default) and cloudevents"));
                break;
        }
    }

    private void ReadHeaders(JsonElement root, List<FieldError> errors)
    {
        if (!root.TryGetProperty("headers", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("headers", "'headers' must be an object of header names and string values, such as {\"Authorization\": \"Bearer TOKEN\"}"));
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in value.EnumerateObject())
        {
            if (HeaderProblem(header) is { } problem)
            {
                errors.Add(new FieldError("headers", problem));
            }
            else if (!headers.TryAdd(header.Name, header.Value.GetString()!))
            {
                errors.Add(new FieldError("headers", $"header '{header.Name}' is given twice"));
            }
        }

        if (headers.Count > MaxHeaders)
        {
            errors.Add(new FieldError("headers", $"{headers.Count} headers are given; at most {MaxHeaders} are accepted"));
        }

        Headers = headers;
    }

    private static string? HeaderProblem(JsonProperty header)
    {
        var name = header.Name;
        if (name.Length == 0 || name.Length > 100 || !name.All(IsTokenCharacter))
        {
            return $"'{name}' is not a valid header name: use letters, digits and '-'";
        }

        if (ReservedHeaders.Contains(name) || name.StartsWith("Portus-", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
        {
            return $"header '{name}' is reserved: hop-by-hop headers, {string.Join(", ", ReservedHeaders.Order(StringComparer.Ordinal))}, and names starting with 'Portus-' or 'ce-' are set by the sender";
        }

        if (header.Value.ValueKind != JsonValueKind.String)
        {
            return $"the value of header '{name}' must be a string";
        }

        var text = header.Value.GetString()!;
        if (text.Length > MaxHeaderValueLength || text.Any(c => c < ' ' && c != '\t' || c == '\u007f'))
        {
            return $"the value of header '{name}' is longer than {MaxHeaderValueLength} characters or contains control characters";
        }

        return null;
    }

    private void ReadSecret(JsonElement root, List<FieldError> errors)
    {
        var secret = OptionalString(root, "secret", int.MaxValue, errors);
        if (secret is not null && (secret.Length < MinSecretLength || secret.Length > MaxSecretLength))
        {
            errors.Add(new FieldError("secret", $"the secret is {secret.Length} characters long; use {MinSecretLength} to {MaxSecretLength} characters, such as 32 random bytes in hexadecimal"));
            return;
        }

        Secret = secret;
    }

    private static string? OptionalString(JsonElement root, string field, int maxLength, List<FieldError> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, $"'{field}' must be a string"));
            return null;
        }

        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            errors.Add(new FieldError(field, $"'{field}' is longer than {maxLength} characters"));
            return null;
        }

        return text;
    }

    /// <summary>Whether <paramref name="c"/> may appear in a header name (an RFC 9110 token).</summary>
    private static bool IsTokenCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
