using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class UnknownProvider : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.InsertData(
                table: "MailboxProviders",
                columns: new[] { "Id", "MxSuffixes", "Name", "NameJa", "SortOrder" },
                values: new object[] { "unknown", "", "Unknown", "不明", 99 });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                table: "MailboxProviders",
                keyColumn: "Id",
                keyValue: "unknown");
        }
    }
}
