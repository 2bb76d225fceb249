function (user, context, callback) {
  // v2: the profile carries the API's region
  context.idToken['##API_URL##/region'] = user.user_metadata && user.user_metadata.region;
  callback(null, user, context);
}
