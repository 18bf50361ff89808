// Where the notification bell goes: a place the header keeps beside the account controls, filled by the signed-in
// workspace (which knows the person's projects and screens, and lives exactly as long as the sign-in).
export const NOTIFICATION_SLOT_ID = 'header-notifications';
