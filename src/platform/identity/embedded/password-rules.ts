// The passwords the embedded identity provider lets a person choose (at enrolment): its pages say these, and the people
// service, which sets the password, checks them (people-service.ts imports them from here).
export const MIN_CHOSEN_PASSWORD_CHARS = 12;
export const MAX_PASSWORD_CHARS = 128;
