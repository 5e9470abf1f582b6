using System.Runtime.CompilerServices;

namespace PrPortal.Infrastructure;

/// <summary>
/// Japanese mail comes in ISO-2022-JP, Shift_JIS and EUC-JP, which .NET reads only with the code-page
/// provider. It is registered when this assembly loads, before MimeKit first looks a charset up (it
/// remembers what it could not find).
/// </summary>
internal static class Encodings
{
    [ModuleInitializer]
    internal static void Register() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
}
