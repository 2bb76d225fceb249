function (user, context, callback) {
  const country = context.request.geoip.country_code
  if (country {
    context.idToken['https://example.com/country'] = country;
  }
  callback(null, user, context);
}
