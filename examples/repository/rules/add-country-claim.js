/**
 * Adds the country the user logs in from to the ID token.
 *
 * Migrated to actions/add-country-claim.js (same order, 10): this rule stays in the
 * repository, disabled, until the action has run in production for a while.
 */
function addCountryClaim(user, context, callback) {
  const claim = configuration.COUNTRY_CLAIM;
  const geoip = context.request.geoip;
  if (geoip && geoip.country_code) {
    context.idToken[claim] = geoip.country_code;
  }
  callback(null, user, context);
}
