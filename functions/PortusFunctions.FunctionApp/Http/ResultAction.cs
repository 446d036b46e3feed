using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>
/// Runs a minimal-API <see cref="IResult"/> as an <see cref="IActionResult"/>, the return type that HTTP triggers
/// with ASP.NET Core integration support.
/// </summary>
public sealed class ResultAction : IActionResult
{
    /// <summary>Wraps <paramref name="result"/>.</summary>
    public ResultAction(IResult result)
    {
        Result = result ?? throw new ArgumentNullException(nameof(result));
    }

    /// <summary>The wrapped result.</summary>
    public IResult Result { get; }

    /// <inheritdoc/>
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        return Result.ExecuteAsync(context.HttpContext);
    }
}
