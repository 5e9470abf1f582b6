using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryEngine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BindAddress",
                table: "SendingIps",
                type: "TEXT",
                maxLength: 45,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Error",
                table: "DeliveryAttempts",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BindAddress",
                table: "SendingIps");

            migrationBuilder.DropColumn(
                name: "Error",
                table: "DeliveryAttempts");
        }
    }
}
