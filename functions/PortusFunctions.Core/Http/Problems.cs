using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace PortusFunctions.Http;

/// <summary>RFC 9457 problem details for error responses.</summary>
public static class Problems
{
    /// <summary>Creates problem details with a status, a short title and a detail that names the value and the fix.</summary>
    public static ProblemDetails Create(int status, string title, string detail) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = $"https://httpstatuses.io/{status}",
    };

    /// <summary>Returns a problem details result.</summary>
    public static IResult Result(int status, string title, string detail) =>
        Results.Problem(Create(status, title, detail));

    /// <summary>503 for storage that cannot be reached, with <c>Retry-After</c>.</summary>
    public static IResult StorageUnavailable(string detail) => new ProblemWithHeaders(
        Create(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", detail),
        ("Retry-After", "5"));
}

/// <summary>A problem details result that also sets response headers.</summary>
public sealed class ProblemWithHeaders : IResult
{
    private readonly ProblemDetails _problem;
    private readonly (string Name, string Value)[] _headers;

    /// <summary>Creates the result.</summary>
    public ProblemWithHeaders(ProblemDetails problem, params (string Name, string Value)[] headers)
    {
        _problem = problem;
        _headers = headers;
    }

    /// <summary>The problem details sent.</summary>
    public ProblemDetails Problem => _problem;

    /// <inheritdoc/>
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);

        foreach (var (name, value) in _headers)
        {
            httpContext.Response.Headers[name] = value;
        }

        return Results.Problem(_problem).ExecuteAsync(httpContext);
    }
}
