using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class AttemptBlockList : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BlockList",
                table: "DeliveryAttempts",
                type: "TEXT",
                maxLength: 40,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BlockList",
                table: "DeliveryAttempts");
        }
    }
}
