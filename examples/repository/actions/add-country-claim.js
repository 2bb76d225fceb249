/**
 * Adds the country the user logs in from to the ID token.
 *
 * The post-login action that replaces rules/add-country-claim.js. It keeps the
 * rule's order (10) in the post-login flow; the rules configuration value
 * COUNTRY_CLAIM is now the action secret of the same name.
 *
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const country = event.request.geoip && event.request.geoip.countryCode;
  if (country) {
    api.idToken.setCustomClaim(event.secrets.COUNTRY_CLAIM, country);
  }
};
