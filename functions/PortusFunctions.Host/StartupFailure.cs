using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Host;

/// <summary>Turns an exception that stopped the start into lines an operator can act on.</summary>
public static partial class StartupFailure
{
    /// <summary>
    /// Returns the message for a failure caused by settings, with setting names in app-setting form
    /// (<c>Section__Key</c>), or null for any other failure.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        var messages = Flatten(exception).Select(DescribeOne).ToList();
        return messages.Count > 0 && messages.All(message => message is not null)
            ? "The app did not start because of its settings:\n  " + string.Join("\n  ", messages.Distinct(StringComparer.Ordinal))
            : null;
    }

    private static IEnumerable<Exception> Flatten(Exception exception) => exception is AggregateException aggregate
        ? aggregate.InnerExceptions.SelectMany(Flatten)
        : [exception];

    private static string? DescribeOne(Exception exception)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                return string.Join("\n  ", validation.Failures);
            case FormatException format when format.Message.Contains("__", StringComparison.Ordinal):
                return format.Message;
            case InvalidOperationException conversion when ConversionPattern().Match(conversion.Message) is { Success: true } match:
                var setting = match.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal);
                var type = match.Groups["type"].Value.Split('.')[^1];
                return $"{setting} = '{match.Groups["value"].Value}' is not a valid {type}: {Hint(type)}.";
            default:
                return null;
        }
    }

    private static string Hint(string type) => type switch
    {
        "Boolean" => "use true or false",
        "TimeSpan" => "write a time span as [d.]hh:mm:ss, such as 00:05:00",
        "Int32" or "Int64" => "use a whole number",
        "Double" => "use a number such as 0.5",
        _ => $"write a value of type {type}",
    };

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ConversionPattern();
}
