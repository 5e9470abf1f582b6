using Microsoft.AspNetCore.Identity;

namespace PrPortal.Data.Entities;

public class PortalUser : IdentityUser
{
    public string? DisplayName { get; set; }
    /// <summary>The user's chosen UI culture ("ja-JP" or "en-US"); remembered across sign-ins.</summary>
    public string UiCulture { get; set; } = "ja-JP";
    public bool IsDisabled { get; set; }
    public DateTime CreatedAtUtc { get; set; }
}
